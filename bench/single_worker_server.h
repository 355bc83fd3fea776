// A deliberately single-worker HTTP target for benchmarks: one thread accepts, reads and
// answers one request at a time after a fixed service time, so concurrent requests queue
// exactly as they would behind one synchronous worker. Loopback only.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace latencyd::bench {

// Thread-safe to construct and destroy; the worker runs between the two.
class SingleWorkerServer {
 public:
  // Listens on port 0 of each address in `addresses` (all loopback), served by one thread.
  SingleWorkerServer(const std::vector<std::string>& addresses,
                     std::chrono::microseconds service_time);
  ~SingleWorkerServer();
  SingleWorkerServer(const SingleWorkerServer&) = delete;
  SingleWorkerServer& operator=(const SingleWorkerServer&) = delete;

  // "http://ADDRESS:PORT" of the i-th address.
  std::string BaseUrl(std::size_t i) const;

 private:
  void Serve();
  void Answer(int fd);

  std::vector<std::string> addresses_;
  std::vector<int> listeners_;
  std::vector<int> ports_;
  std::chrono::microseconds service_time_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

}  // namespace latencyd::bench
