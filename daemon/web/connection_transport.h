// One accepted connection of the daemon's HTTP server, plain TCP or TLS, over a non-blocking
// socket: every read and write waits at most until a deadline the caller gives, and stops at
// once when the server stops. Not thread-safe: one connection is served by one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

struct ssl_st;
struct ssl_ctx_st;

namespace latencyd {

using Deadline = std::chrono::steady_clock::time_point;

class ConnectionTransport {
 public:
  // Takes `fd` (closed by the destructor). `stop_fd` turns readable when the server stops.
  // `tls` is null for plain HTTP.
  ConnectionTransport(int fd, int stop_fd, ssl_ctx_st* tls);
  ~ConnectionTransport();
  ConnectionTransport(const ConnectionTransport&) = delete;
  ConnectionTransport& operator=(const ConnectionTransport&) = delete;

  // The TLS handshake, finished by `deadline` (true at once for plain HTTP).
  bool Handshake(Deadline deadline);
  // Some bytes (> 0), 0 at the end of the stream, -1 on error, at the deadline or on stop.
  ssize_t Read(char* buffer, std::size_t size, Deadline deadline);
  bool WriteAll(const char* data, std::size_t size, Deadline deadline);
  // Ends the connection so the peer reads our last answer rather than a reset: TLS
  // close_notify, FIN, then a short, bounded drain of what the peer still sends.
  void Close();

  int fd() const { return fd_; }

 private:
  // Waits for `events` on the socket; false at the deadline or on stop.
  bool Wait(short events, Deadline deadline) const;

  int fd_;
  int stop_fd_;
  ssl_st* ssl_ = nullptr;
  bool closed_ = false;
};

}  // namespace latencyd
