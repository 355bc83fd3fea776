// Strict checks of an HTTP/1.1 request's head and chunked body framing, done before
// cpp-httplib sees a byte: bounded sizes, one unambiguous body length, no smuggling tricks.
// Pure functions and a value-type decoder; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace latencyd {

struct RequestSizeLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request line + header fields + blank line
  std::size_t max_header_fields = 100;
  std::size_t max_body_bytes = 64 * 1024;  // Content-Length, or the decoded chunked body
};

enum class BodyFraming { kNone, kContentLength, kChunked };

// The verdict on one request head. `status` is 0 when the request may be served, else the
// status to answer with (400, 413, 431, 505) and `reason` says why, for the answer's body.
struct HeadCheck {
  int status = 0;
  std::string reason;
  BodyFraming framing = BodyFraming::kNone;
  std::uint64_t content_length = 0;
  bool expect_continue = false;  // "Expect: 100-continue" with a body to come
  bool has_range = false;        // a Range field, which the server ignores (StripRangeFields)
};

// Checks `head`: the request line and header fields through the blank line ("\r\n\r\n"),
// which the caller has already found within limits.max_head_bytes. Rejects (400) bare CR or
// LF, obs-folds, malformed field names or values, two Content-Lengths, Transfer-Encoding
// other than exactly "chunked", Transfer-Encoding with Content-Length; 431 for too many
// fields; 413 for a Content-Length above limits.max_body_bytes; 505 for versions other than
// HTTP/1.0 and HTTP/1.1.
HeadCheck CheckRequestHead(std::string_view head, const RequestSizeLimits& limits);

// `request` (a head that passed CheckRequestHead, and its body) without its Range fields.
// The server answers every request whole, as RFC 9110 14.2 allows: cpp-httplib 0.11 does not
// clamp ranges against the length of a content provider's body, so a range past the end of
// /metrics read (and sent) memory beyond it.
std::string StripRangeFields(std::string_view request);

// Finds the end of the head in `bytes` (the offset just past "\r\n\r\n"), or npos.
std::size_t FindHeadEnd(std::string_view bytes);

// Validates a chunked body as its bytes arrive (RFC 9112 7.1): hex sizes without sign,
// spaces or overflow, CRLF after every chunk, trailer fields bounded like header fields.
class ChunkedBodyDecoder {
 public:
  enum class State { kIncomplete, kComplete, kInvalid, kTooLarge };

  explicit ChunkedBodyDecoder(const RequestSizeLimits& limits);

  // Consumes bytes up to the end of the body. Returns the state after them; on kComplete,
  // *consumed says how many of `bytes` belonged to the body (the rest is the next request).
  State Feed(std::string_view bytes, std::size_t* consumed);

 private:
  enum class Phase { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kDone };
  State Step(char c);
  State StepTrailer(char c);

  RequestSizeLimits limits_;
  Phase phase_ = Phase::kSize;
  std::uint64_t chunk_size_ = 0;
  std::size_t size_digits_ = 0;
  std::uint64_t remaining_ = 0;
  std::uint64_t decoded_ = 0;
  std::size_t framing_bytes_ = 0;  // everything but chunk data, bounded by max_head_bytes
  std::string trailer_line_;
  bool trailer_line_cr_ = false;
  std::size_t trailer_fields_ = 0;
  State state_ = State::kIncomplete;
};

}  // namespace latencyd
