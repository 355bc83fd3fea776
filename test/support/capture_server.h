// CaptureServer: a loopback HTTP/1.1 peer that records every request byte for byte (head and
// Content-Length body) and answers with a status a test function picks from the request, so
// tests can check what credentials a probe sent and compare two clients' requests exactly.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "test/support/loopback_socket.h"

namespace latencyd::testing {

// One connection at a time on the server's own thread, each answered with
// "Connection: close" and bounded in time. Thread-safe: every public method may be called
// from any thread.
class CaptureServer {
 public:
  // Picks the response status for a request (its raw bytes); nullptr: always 200.
  using StatusFor = std::function<int(const std::string& request)>;

  explicit CaptureServer(StatusFor status_for = nullptr);
  ~CaptureServer();
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;

  int port() const { return acceptor_.port(); }
  std::string Url(const std::string& path) const;
  // The requests received so far (the first 10,000), oldest first.
  std::vector<std::string> Requests() const;
  std::size_t RequestCount() const;
  // Waits until a request arrived for which `matches` holds; false at the deadline.
  bool WaitForRequest(const std::function<bool(const std::string&)>& matches,
                      std::chrono::milliseconds deadline) const;

  // The value of header `name` (case-insensitive) in a raw request, or "" when absent.
  static std::string HeaderValue(const std::string& request, const std::string& name);

 private:
  void Handle(int fd);
  // Reads the head and, with Content-Length, the body; "" on timeout or a closed peer.
  std::string ReadRequest(int fd);

  StatusFor status_for_;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  SerialAcceptor acceptor_;  // last: its thread uses the members above
};

}  // namespace latencyd::testing
