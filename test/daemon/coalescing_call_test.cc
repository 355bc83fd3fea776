#include "daemon/coalescing_call.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "test/integration/wait_for.h"

namespace latencyd {
namespace {

// Concurrent reload requests coalesce: while one run is under way, ten more callers arrive;
// they all share one further run (which starts after they did), not ten.
TEST(CoalescingCallTest, CallersDuringARunShareTheNextOne) {
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<int> started{0};
  CoalescingCall call([&]() -> CoalescingCall::Result {
    int run = ++started;
    std::unique_lock<std::mutex> lock(mutex);
    released.wait(lock, [&] { return release; });
    return "run " + std::to_string(run);
  });

  std::vector<std::thread> callers;
  std::vector<std::string> results(11);
  callers.emplace_back([&] { results[0] = call.Call().value_or(""); });
  ASSERT_TRUE(testing::WaitFor([&] { return started == 1; }));
  for (int i = 1; i <= 10; ++i) {
    callers.emplace_back([&, i] { results[i] = call.Call().value_or(""); });
  }
  ASSERT_TRUE(testing::WaitFor([&] { return call.calls_in_progress() == 11; }));
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  released.notify_all();
  for (auto& caller : callers) caller.join();

  EXPECT_EQ(call.runs(), 2u);
  EXPECT_EQ(results[0], "run 1");
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(results[i], "run 2") << i;
}

TEST(CoalescingCallTest, SequentialCallsEachRun) {
  int runs = 0;
  CoalescingCall call([&]() -> CoalescingCall::Result {
    ++runs;
    return std::nullopt;
  });
  EXPECT_FALSE(call.Call().has_value());
  EXPECT_FALSE(call.Call().has_value());
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace latencyd
