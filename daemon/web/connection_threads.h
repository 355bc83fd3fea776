// The task queue behind the daemon's HTTP server: each accepted connection gets a thread of
// its own (up to a high cap, with small stacks), so slow or idle clients cannot take every
// thread and starve /metrics and /-/healthy, as they did with a fixed pool of 16. Threads
// idle for a while exit, so the count shrinks back after a burst. The threads run at a lower
// priority than the rest of the process (a nice increment), so that rendering /metrics, the
// status page or the JSON never takes a CPU from the probe loops when the machine is busy.
// Thread-safe.
#pragma once

#include <httplib.h>
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace latencyd {

class ConnectionThreads : public httplib::TaskQueue {
 public:
  // Beyond `max_threads` busy threads, connections wait in order for one to free up. Each
  // thread adds `nice_increment` to its own nice value when it starts (0: unchanged).
  ConnectionThreads(std::size_t max_threads, std::size_t stack_bytes,
                    std::chrono::milliseconds idle_exit, int nice_increment = 0);
  ~ConnectionThreads() override;

  void enqueue(std::function<void()> task) override;
  // Runs what is queued, then joins every thread.
  void shutdown() override;

  std::size_t threads() const;  // alive now, for tests

 private:
  static void* ThreadMain(void* self);
  void Work();
  bool StartThread();  // with mutex_ held
  void JoinExited();   // without mutex_ held

  const std::size_t max_threads_;
  const std::size_t stack_bytes_;
  const std::chrono::milliseconds idle_exit_;
  const int nice_increment_;
  mutable std::mutex mutex_;
  std::condition_variable work_or_stop_;
  std::condition_variable all_exited_;
  std::deque<std::function<void()>> queue_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  std::vector<pthread_t> exited_;  // finished, not yet joined
};

}  // namespace latencyd
