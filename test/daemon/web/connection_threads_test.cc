#include "daemon/web/connection_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "test/integration/wait_for.h"
#include "test/support/resident_memory.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;

TEST(ConnectionThreadsTest, AThreadPerTaskUpToTheCapThenTheyWaitAndIdleThreadsExit) {
  ConnectionThreads threads(3, 256 * 1024, milliseconds(100));
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<int> started{0}, finished{0};
  auto task = [&] {
    ++started;
    std::unique_lock<std::mutex> lock(mutex);
    released.wait(lock, [&] { return release; });
    ++finished;
  };
  for (int i = 0; i < 5; ++i) threads.enqueue(task);
  ASSERT_TRUE(testing::WaitFor([&] { return started == 3; }));
  EXPECT_EQ(threads.threads(), 3u);  // the cap; two tasks wait for a thread
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  released.notify_all();
  ASSERT_TRUE(testing::WaitFor([&] { return finished == 5; }));
  EXPECT_TRUE(testing::WaitFor([&] { return threads.threads() == 0; }))
      << "idle threads did not exit";
  threads.enqueue([&] { ++finished; });  // and new ones start again
  EXPECT_TRUE(testing::WaitFor([&] { return finished == 6; }));
  threads.shutdown();
  EXPECT_EQ(threads.threads(), 0u);
}

TEST(ConnectionThreadsTest, ShutdownRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    ConnectionThreads threads(1, 256 * 1024, milliseconds(1000));
    for (int i = 0; i < 20; ++i) threads.enqueue([&] { ++ran; });
    threads.shutdown();
  }
  EXPECT_EQ(ran, 20);
}

// A scrape allocates its buffers on a connection thread and frees them when it has answered;
// those pages must leave RSS within a tenth of a second, not after the process's decay, or
// RSS between scrapes depends on when the last one ended (allocator/README.md: up to +6 MiB on
// 32 MiB at 1,000 endpoints). On the process's arenas nothing of 24 MiB had left after 1 s;
// on the returning arena all of it leaves in about 0.2 s: the 1 s bound separates the two.
TEST(ConnectionThreadsTest, WhatATaskFreesLeavesResidentMemoryWithinASecond) {
#ifdef LATENCYD_SYSTEM_MALLOC
  GTEST_SKIP() << "the system malloc has no arena to choose (sanitizer build)";
#endif
  constexpr std::size_t kPieces = 12, kPieceBytes = 2 << 20;  // 24 MiB, like a 10k scrape
  std::size_t before = 0, peak = 0;
  std::atomic<bool> freed{false};
  ConnectionThreads threads(1, 256 * 1024, milliseconds(10000));
  threads.enqueue([&] {
    before = testing::ResidentBytes();
    {
      std::vector<std::unique_ptr<char[]>> pieces;
      for (std::size_t i = 0; i < kPieces; ++i) {
        pieces.emplace_back(new char[kPieceBytes]);
        std::memset(pieces.back().get(), 1, kPieceBytes);
      }
      peak = testing::ResidentBytes();
    }
    freed = true;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return freed.load(); }));
  // Signed: RSS may also have fallen (earlier tests' pages purged meanwhile).
  const auto mib_between = [](std::size_t from, std::size_t to) {
    return (static_cast<double>(to) - static_cast<double>(from)) / (1 << 20);
  };
  ASSERT_GE(mib_between(before, peak), 20.0) << "the pieces were never resident";
  EXPECT_TRUE(testing::WaitFor([&] { return mib_between(before, testing::ResidentBytes()) < 2.0; },
                               milliseconds(1000)))
      << "still resident after 1 s: " << mib_between(before, testing::ResidentBytes()) << " of "
      << mib_between(before, peak) << " MiB";
}

}  // namespace
}  // namespace latencyd
