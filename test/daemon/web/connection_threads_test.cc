#include "daemon/web/connection_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "test/integration/wait_for.h"

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

}  // namespace
}  // namespace latencyd
