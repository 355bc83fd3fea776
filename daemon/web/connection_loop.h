// Serves one connection of the daemon's HTTP server: reads each request whole and checked
// (RequestReader) under the connection deadlines, answers refusals itself, and hands only
// complete, well-framed requests to cpp-httplib's request processing. Thread-safe (each call
// serves its own connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "daemon/web/connection_transport.h"
#include "daemon/web/request_framing.h"

namespace httplib {
class Stream;
}

namespace latencyd {

struct ConnectionLimits {
  RequestSizeLimits sizes;
  // The whole request, head and body, counted from when the server starts waiting for it.
  std::chrono::milliseconds request_timeout{5000};
  // A kept-alive connection's next request must start within this.
  std::chrono::milliseconds idle_timeout{1000};
  // Handling the request and writing the whole answer (tens of MB for a large /metrics).
  std::chrono::milliseconds response_timeout{30000};
  std::size_t max_requests_per_connection = 100;
};

// cpp-httplib's Server::process_request over a stream; `close_connection` asks it to answer
// with "Connection: close"; it sets `connection_closed` when the client asked for that.
using ProcessRequest =
    std::function<bool(httplib::Stream& stream, bool close_connection, bool& connection_closed)>;

// Serves `transport` until the peer closes, a deadline passes, a request is refused, or the
// server stops; then closes it.
void ServeConnection(ConnectionTransport& transport, const ConnectionLimits& limits,
                     const ProcessRequest& process);

// The answer to a refused request: status line, "Connection: close", the reason as text.
std::string RefusalResponse(int status, const std::string& reason);

}  // namespace latencyd
