// Runs one function for many concurrent callers: a call that arrives while a run is under
// way waits for the next run, which starts after it arrived (so it sees the world as of its
// request) and serves every caller waiting by then. Used for reloads: a burst of
// POST /-/reload, SIGHUPs and file-watcher triggers costs two reloads, not one per caller.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace latencyd {

class CoalescingCall {
 public:
  using Result = std::optional<std::string>;

  explicit CoalescingCall(std::function<Result()> function) : function_(std::move(function)) {}

  // The result of a run that started after this call did.
  Result Call() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t ticket = ++requested_;
    ++waiting_;
    while (completed_ < ticket) {
      if (running_) {
        changed_.wait(lock);
        continue;
      }
      running_ = true;
      const std::uint64_t covers = requested_;  // every call so far
      lock.unlock();
      Result result = function_();
      lock.lock();
      running_ = false;
      completed_ = covers;
      last_result_ = std::move(result);
      ++runs_;
      changed_.notify_all();
    }
    --waiting_;
    return last_result_;
  }

  // For tests: how often the function ran, and how many calls are in progress.
  std::uint64_t runs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return runs_;
  }
  std::uint64_t calls_in_progress() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_;
  }

 private:
  const std::function<Result()> function_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t requested_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t runs_ = 0;
  std::uint64_t waiting_ = 0;
  bool running_ = false;
  Result last_result_;
};

}  // namespace latencyd
