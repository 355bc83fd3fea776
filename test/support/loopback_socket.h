// Plain POSIX socket helpers shared by the raw loopback test servers.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace latencyd::testing {

// Binds a TCP socket to 127.0.0.1:0; returns the fd and stores the chosen port. Throws
// std::runtime_error on failure.
int BindLoopback(int* port);

// Waits for `fd` to become ready for `events`, or for the wake fd; false on stop or timeout.
bool WaitFor(int fd, short events, int wake_fd, std::chrono::steady_clock::time_point deadline);

// The accept loop the raw test servers share: a listener on 127.0.0.1:0 whose own thread hands
// each accepted connection to `serve`, one at a time, until Stop(). `serve` owns the fd.
class SerialAcceptor {
 public:
  // `name` prefixes the error when the socket cannot listen (std::runtime_error).
  explicit SerialAcceptor(const char* name);
  ~SerialAcceptor();  // Stop(), then closes the sockets
  SerialAcceptor(const SerialAcceptor&) = delete;
  SerialAcceptor& operator=(const SerialAcceptor&) = delete;

  // Starts the thread. Call once, after everything `serve` touches exists.
  void Start(std::function<void(int fd)> serve);
  // Wakes the thread (and any WaitFor on wake_fd()) and joins it. Idempotent; an owner whose
  // `serve` uses its members calls it first in its destructor.
  void Stop();

  int port() const { return port_; }
  // Readable once stopping: pass it to WaitFor inside `serve` so a stop ends any wait.
  int wake_fd() const { return wake_fd_; }

 private:
  void Run(const std::function<void(int fd)>& serve);

  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace latencyd::testing
