// Misbehaving loopback TCP peers (RawServer) and a refused port (ClosedPort), to produce the
// transport-level failures a well-formed HTTP server cannot.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "test/support/loopback_socket.h"

namespace latencyd::testing {

// A raw TCP listener that misbehaves in one fixed way, to produce transport-level failures.
// Connections are handled one at a time on the server's own thread, each bounded in time.
// Thread-safe: port, Url and connections may be called from any thread.
class RawServer {
 public:
  enum class Behavior {
    kResetAfterRequest,     // read the request, then close with SO_LINGER 0 (TCP RST)
    kCloseWithoutResponse,  // read the request, then close cleanly (client gets nothing)
    kGarbage,               // read the request, answer bytes that are not HTTP, close
    kHugeHeaders,           // read the request, answer a status line and ~1 MiB of headers
    kHugeHeaderLine,        // read the request, answer a status line and one 1 MiB header line
    kHugeStatusLine,        // read the request, answer a 1 MiB status line
    kTruncatedBody,         // read the request, promise 1000 body bytes, send 10, close
    kSilent,                // accept, never read nor answer until destroyed
  };
  explicit RawServer(Behavior behavior);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return acceptor_.port(); }
  std::string Url(const std::string& path) const;
  // Connections accepted so far.
  std::uint64_t connections() const { return connections_.load(); }

 private:
  void Handle(int fd);
  // Reads until the end of the request headers, the peer closing, a deadline or stop.
  bool ReadRequest(int fd);
  void WriteAll(int fd, const std::string& data);

  Behavior behavior_;
  std::atomic<std::uint64_t> connections_{0};
  std::vector<int> silent_fds_;  // kSilent connections, closed by the destructor
  SerialAcceptor acceptor_;      // last: its thread uses the members above
};

// A loopback TCP port with nothing listening on it (bound, read, closed), so connecting is
// refused. Another process could take it in between; tests accept that tiny risk.
int ClosedPort();

}  // namespace latencyd::testing
