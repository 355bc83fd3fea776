// BurstMemory: the arenas are trimmed once after a burst of freed handles has drained, not
// during it, not for a few handles, and not more often than its interval; and a real burst of
// probes against a silent server gives its memory back.
#include "probes/burst_memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <thread>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/raw_server.h"

namespace latencyd::probes {
namespace {

using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1);

TEST(BurstMemoryTest, TrimsOnceWhenABurstOfFreedHandlesHasDrained) {
  int trims = 0;
  BurstMemory memory([&trims] { ++trims; });
  EXPECT_FALSE(memory.AfterTurn(0, 4000, kT0)) << "nothing freed yet";
  EXPECT_FALSE(memory.AfterTurn(3000, 1000, kT0 + seconds(1))) << "still in the burst";
  EXPECT_TRUE(memory.AfterTurn(3500, 20, kT0 + seconds(2)));
  EXPECT_FALSE(memory.AfterTurn(3500, 20, kT0 + seconds(30))) << "nothing freed since";
  EXPECT_EQ(trims, 1);
}

TEST(BurstMemoryTest, AFewFreedHandlesAreNotWorthATrim) {
  int trims = 0;
  BurstMemory memory([&trims] { ++trims; });
  EXPECT_FALSE(memory.AfterTurn(BurstMemory::kFreedHandles - 1, 0, kT0));
  EXPECT_TRUE(memory.AfterTurn(BurstMemory::kFreedHandles, 0, kT0));
  EXPECT_EQ(trims, 1);
}

TEST(BurstMemoryTest, BurstsInQuickSuccessionAreTrimmedAtMostOncePerInterval) {
  int trims = 0;
  BurstMemory memory([&trims] { ++trims; });
  EXPECT_TRUE(memory.AfterTurn(1000, 0, kT0));
  EXPECT_FALSE(memory.AfterTurn(2000, 0, kT0 + BurstMemory::kMinInterval - seconds(1)));
  EXPECT_TRUE(memory.AfterTurn(2000, 0, kT0 + BurstMemory::kMinInterval));
  EXPECT_EQ(trims, 2);
}

}  // namespace
}  // namespace latencyd::probes

namespace latencyd::probes {
namespace {

using latencyd::testing::RawServer;
using namespace std::chrono_literals;

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Runs `count` probes of `probe` at once on the engine's one loop, each held by the silent
// server until its timeout; returns the highest RSS seen while they were in flight.
std::size_t Burst(ProbeEngine& engine, const std::shared_ptr<const PreparedProbe>& probe,
                  std::size_t count) {
  Collector done;
  for (std::size_t i = 0; i < count; ++i) engine.Submit(probe, 0, done.Callback());
  std::size_t peak = ResidentBytes();
  while (!done.WaitFor(count, 10ms)) peak = std::max(peak, ResidentBytes());
  return peak;
}

// A loop that fell behind starts many probes at once; each beyond the pool's idle handles
// creates a handle, freed when its probe ends. Without the trim, glibc kept those freed chunks
// resident (the idle handles given back last sit above them), so RSS stayed at the burst's peak.
TEST(BurstMemoryEngineTest, ABurstBeyondTheIdleHandlesGivesItsMemoryBackOnceDrained) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers replace glibc's allocator; RSS says nothing about its arenas";
#endif
  constexpr std::size_t kBurst = 2000;  // ~1,500 handles beyond the 512 idle ones
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 2 * kBurst + 256);
  setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < kBurst + 256) GTEST_SKIP() << "needs " << kBurst + 256 << " descriptors";

  RawServer silent(RawServer::Behavior::kSilent);
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(silent.Url("/"));
  spec.timeout = 300ms;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  Burst(engine, probe, 512);  // the loop's idle handles, kept for good
  const std::size_t before = ResidentBytes();
  const std::size_t peak = Burst(engine, probe, kBurst);
  const std::size_t grown = peak - std::min(peak, before);
  ASSERT_GT(grown, 16u << 20) << "the burst should have taken at least 16 MiB";

  // The loop trims in its turn after the last probe ended: wait for RSS to come back.
  const auto deadline = std::chrono::steady_clock::now() + kTestDeadline;
  std::size_t after = ResidentBytes();
  while (after > before + grown / 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    after = ResidentBytes();
  }
  EXPECT_LE(after, before + grown / 2) << "before " << (before >> 20) << " MiB, peak "
                                       << (peak >> 20) << " MiB, after " << (after >> 20) << " MiB";
}

}  // namespace
}  // namespace latencyd::probes
