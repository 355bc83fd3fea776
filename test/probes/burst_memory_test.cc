// A burst of probes in flight gives its memory back once it has drained: the process's
// allocator (allocator/allocator.cc: jemalloc, purging on its own threads) returns the pages of
// the handles and connections the burst created, so RSS does not stay at the burst's peak.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/raw_server.h"
#include "test/support/resident_memory.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::RawServer;
using latencyd::testing::ResidentBytes;
using namespace std::chrono_literals;

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
// creates a handle, freed when its probe ends. With glibc's malloc those freed chunks stayed
// resident (the idle handles given back last sat above them), so RSS stayed at the burst's
// peak: 44 MiB after the burst against 21 MiB before, in this test.
TEST(BurstMemoryEngineTest, ABurstBeyondTheIdleHandlesGivesItsMemoryBackOnceDrained) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers bring their own allocator; RSS says nothing about latencyd's";
#endif
  constexpr std::size_t kBurst = 2000;  // ~1,500 handles beyond the 512 idle ones
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 2 * kBurst + 256);
  setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < kBurst + 256) GTEST_SKIP() << "needs " << kBurst + 256 << " descriptors";

  RawServer silent(RawServer::Behavior::kSilent);
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(ViaLibcurl(silent.Url("/")));  // the handles are libcurl's
  spec.timeout = 300ms;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  Burst(engine, probe, 512);  // the loop's idle handles, kept until a trim (2-4 s later)
  const std::size_t before = ResidentBytes();
  const std::size_t peak = Burst(engine, probe, kBurst);
  const std::size_t grown = peak - std::min(peak, before);
  ASSERT_GT(grown, 16u << 20) << "the burst should have taken at least 16 MiB";

  // The allocator's background threads give the pages back about a second after the last
  // probe ended: wait for RSS to come back, bounded.
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
