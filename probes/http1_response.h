// An incremental parser of one HTTP/1.x response, for a plain-HTTP client of latencyd's own:
// bytes go in as they arrive, in pieces of any size; the status, the few headers a probe needs
// and the body's length come out. It frames the body as RFC 9112 section 6.3 says (HEAD, 1xx,
// 204 and 304 have none; chunked; Content-Length; else until the close) and refuses what a
// lying or broken server sends (conflicting lengths, bad chunk sizes, folded headers, heads
// and bodies over the limits) instead of guessing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probes/failure.h"

namespace latencyd::probes {

class Http1Response {
 public:
  struct Limits {
    std::size_t max_head_bytes = kMaxHeaderBytes;  // every head and trailer together
    std::uint64_t max_body = 1024 * 1024;
    bool keep_body = false;     // keep the body's bytes (for a body regex)
    bool head_request = false;  // the request was HEAD: no body, whatever the head says
  };

  enum class Outcome {
    kNeedMore,      // the response has not ended yet
    kComplete,      // the whole response is in; later bytes are ignored
    kMalformed,     // not a valid HTTP/1.x response; error() says why
    kHeadTooLarge,  // the heads (with 1xx and trailers) exceed max_head_bytes
    kBodyTooLarge,  // the body exceeds max_body
  };

  explicit Http1Response(Limits limits) : limits_(limits) {}

  // Takes the next bytes from the connection. Once it has returned anything but kNeedMore it
  // returns that again and takes nothing more.
  Outcome Feed(std::string_view bytes);
  // The peer closed the connection: ends a body delimited by the close, and is kMalformed for
  // a response cut short.
  Outcome FeedEnd();

  Outcome outcome() const { return outcome_; }
  // The final (non-1xx) head has been read: status() and the headers below are set.
  bool head_complete() const { return state_ > State::kHead; }
  int status() const { return status_; }
  const std::string& version() const { return version_; }  // "1.1" or "1.0"
  const std::string& location() const { return location_; }
  const std::string& content_encoding() const { return content_encoding_; }
  // Bytes of body received so far (chunk framing not counted).
  std::uint64_t body_bytes() const { return body_bytes_; }
  const std::string& body() const { return body_; }  // only with Limits::keep_body
  const std::string& error() const { return error_; }

 private:
  enum class State {
    kHead,          // reading a status line and headers
    kFixedBody,     // Content-Length bytes
    kChunkSize,     // a chunk-size line
    kChunkData,     // a chunk's bytes
    kChunkDataEnd,  // the CRLF after a chunk's bytes
    kTrailers,      // trailer lines after the last chunk, up to an empty line
    kUntilClose,    // a body delimited by the end of the connection
    kDone,
  };

  // Each consumes from `bytes` what its state can use; returns false when it needs more.
  bool ReadHead(std::string_view& bytes);
  bool ReadFixedBody(std::string_view& bytes);
  bool ReadChunkSize(std::string_view& bytes);
  bool ReadChunkData(std::string_view& bytes);
  bool ReadChunkDataEnd(std::string_view& bytes);
  bool ReadTrailers(std::string_view& bytes);

  // Reads up to the next LF into line_ (head bytes count against max_head_bytes when
  // `counts_as_head`); true with the line, without its CR LF, in `line` once it is whole.
  bool TakeLine(std::string_view& bytes, std::size_t max_line, bool counts_as_head,
                std::string& line);
  bool ParseStatusLine(const std::string& line);
  bool ParseHeaderLine(const std::string& line);
  bool ParseContentLength(std::string_view value);
  // The head has ended: a 1xx starts the next head, else picks how the body is framed.
  void EndHead();
  void AddBody(std::string_view piece);
  void Fail(Outcome outcome, std::string why);

  const Limits limits_;
  State state_ = State::kHead;
  Outcome outcome_ = Outcome::kNeedMore;
  std::string line_;  // the line being read
  std::size_t head_bytes_ = 0;
  bool status_line_seen_ = false;  // of the head being read
  int status_ = 0;
  std::string version_;
  std::string location_;
  std::string content_encoding_;
  bool chunked_ = false;
  bool other_transfer_coding_ = false;  // a Transfer-Encoding whose last coding is not chunked
  bool has_content_length_ = false;
  std::uint64_t content_length_ = 0;
  std::uint64_t remaining_ = 0;  // of the fixed body or the current chunk
  std::uint64_t body_bytes_ = 0;
  std::string body_;
  std::string error_;
};

}  // namespace latencyd::probes
