// Waiting for a condition with a deadline, so tests synchronise on state instead of sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace latencyd::testing {

// Polls `condition` every 10 ms until it holds (true) or `deadline` passes (false).
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  auto give_up = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace latencyd::testing
