// A loopback HTTP peer that answers every request with a body trickled at a fixed rate that
// never completes, and records how long each connection lasted as it saw it: the target's side
// of a probe that is cut at its deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace latencyd::testing {

// Thread-safe: port, Url and connection_durations may be called from any thread. One thread
// per connection (tests open a handful), each bounded by `max_connection`.
class TrickleServer {
 public:
  // Sends `chunk` bytes every `every` after the response head (2 KiB / 10 ms = 200 KiB/s).
  explicit TrickleServer(std::size_t chunk = 2048,
                         std::chrono::milliseconds every = std::chrono::milliseconds(10),
                         std::chrono::seconds max_connection = std::chrono::seconds(10));
  ~TrickleServer();
  TrickleServer(const TrickleServer&) = delete;
  TrickleServer& operator=(const TrickleServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  // From accept to the client closing, for every connection that has ended, in end order.
  std::vector<std::chrono::nanoseconds> connection_durations();

 private:
  void Accept();
  void Serve(int fd, std::chrono::steady_clock::time_point accepted);

  const std::size_t chunk_;
  const std::chrono::milliseconds every_;
  const std::chrono::seconds max_connection_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor's stop signal, level-triggered for all threads
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<std::chrono::nanoseconds> durations_;  // guarded by mu_
  std::vector<std::thread> connections_;             // guarded by mu_
  std::thread acceptor_;
};

}  // namespace latencyd::testing
