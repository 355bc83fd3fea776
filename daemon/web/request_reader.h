// Reads one whole HTTP request (head and body) from a connection before anything handles it:
// a total deadline for the request, not a per-recv timeout, so a client that trickles a
// byte now and then is dropped; and size limits checked as bytes arrive, so no request can
// make the daemon buffer more than the limits. Not thread-safe (one per connection).
#pragma once

#include <string>
#include <string_view>

#include "daemon/web/connection_transport.h"
#include "daemon/web/request_framing.h"

namespace latencyd {

struct ReadRequestResult {
  enum class Outcome {
    kRequest,  // request() holds one complete, checked request
    kClosed,   // the peer closed, went idle past the first-byte deadline, or the server stops
    kRefused,  // answer `status` with `reason`, then close
  };
  Outcome outcome = Outcome::kClosed;
  int status = 0;
  std::string reason;
  bool has_range = false;  // kRequest: the head has a Range field
};

class RequestReader {
 public:
  RequestReader(ConnectionTransport& transport, const RequestSizeLimits& limits);

  // Reads the next request: its first byte must arrive by `first_byte`, all of it by
  // `complete_by` (408 otherwise). Bytes after it (pipelining) are kept for the next call.
  ReadRequestResult Next(Deadline first_byte, Deadline complete_by);

  // The last request read, head and raw body, valid until the next call of Next.
  std::string_view request() const { return std::string_view(buffer_).substr(0, request_size_); }

 private:
  // Appends what the socket has; false at the deadline, on end of stream or error.
  bool ReadMore(Deadline deadline, bool* end_of_stream);
  ReadRequestResult ReadHead(Deadline first_byte, Deadline complete_by, std::size_t* head_size,
                             HeadCheck* check);
  ReadRequestResult ReadBody(const HeadCheck& check, std::size_t head_size, Deadline complete_by);

  ConnectionTransport& transport_;
  const RequestSizeLimits limits_;
  std::string buffer_;
  std::size_t request_size_ = 0;
};

}  // namespace latencyd
