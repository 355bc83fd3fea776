// TransferPool: a probe gets back the handle it configured last; others take the least
// recently used one; the pool never holds more than its capacity, and a trim frees what the
// last period did not need.
#include "probes/transfer_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace latencyd::probes {
namespace {

std::shared_ptr<const PreparedProbe> Probe(const std::string& path) {
  ProbeSpec spec;
  spec.url = "http://127.0.0.1:1" + path;
  return std::make_shared<const PreparedProbe>(spec);
}

// A transfer configured for `probe` and finished, as the worker gives it back.
Transfer* Ran(TransferPool& pool, const std::shared_ptr<const PreparedProbe>& probe) {
  Transfer* t = pool.Take(probe.get());
  EXPECT_NE(t, nullptr);
  EXPECT_TRUE(t->Prepare(probe, nullptr));
  t->Release();
  return t;
}

TEST(TransferPoolTest, AnEmptyPoolMakesANewUnconfiguredTransfer) {
  TransferPool pool(4, SteadyTime{});
  auto a = Probe("/a");
  std::unique_ptr<Transfer> t(pool.Take(a.get()));
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->valid());
  EXPECT_EQ(t->configured_for(), nullptr);
  EXPECT_EQ(pool.size(), 0u);
}

TEST(TransferPoolTest, AProbeGetsBackTheTransferItConfigured) {
  TransferPool pool(4, SteadyTime{});
  auto a = Probe("/a");
  auto b = Probe("/b");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  pool.Give(for_a);
  pool.Give(for_b);  // the most recently used one
  Transfer* again = pool.Take(a.get());
  EXPECT_EQ(again, for_a);
  EXPECT_EQ(again->configured_for(), a.get());
  pool.Give(again);
  EXPECT_EQ(pool.size(), 2u);
}

TEST(TransferPoolTest, AnotherProbeTakesTheLeastRecentlyUsedTransfer) {
  TransferPool pool(4, SteadyTime{});
  auto a = Probe("/a");
  auto b = Probe("/b");
  auto c = Probe("/c");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  pool.Give(for_a);
  pool.Give(for_b);
  Transfer* taken = pool.Take(c.get());
  EXPECT_EQ(taken, for_a);
  // a's transfer left the pool: asking for a now yields b's (the only one left).
  Transfer* next = pool.Take(a.get());
  EXPECT_EQ(next, for_b);
  EXPECT_EQ(pool.size(), 0u);
  pool.Give(taken);
  pool.Give(next);
}

TEST(TransferPoolTest, BeyondCapacityTheLeastRecentlyUsedTransferIsFreed) {
  TransferPool pool(2, SteadyTime{});
  auto a = Probe("/a");
  auto b = Probe("/b");
  auto c = Probe("/c");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  Transfer* for_c = Ran(pool, c);
  pool.Give(for_a);
  pool.Give(for_b);
  pool.Give(for_c);  // frees a's
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.Take(c.get()), for_c);
  EXPECT_EQ(pool.Take(b.get()), for_b);
  std::unique_ptr<Transfer> fresh(pool.Take(a.get()));
  EXPECT_EQ(fresh->configured_for(), nullptr);
  pool.Give(for_b);
  pool.Give(for_c);
}

TEST(TransferPoolTest, TwoIdleTransfersOfOneProbeAreBothKept) {
  TransferPool pool(4, SteadyTime{});
  auto a = Probe("/a");
  Transfer* first = Ran(pool, a);
  Transfer* second = pool.Take(a.get());  // the pool is empty: a new one
  ASSERT_NE(second, first);
  ASSERT_TRUE(second->Prepare(a, nullptr));
  second->Release();
  pool.Give(first);
  pool.Give(second);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.Take(a.get()), second);  // the newest is the indexed one
  EXPECT_EQ(pool.Take(a.get()), first);   // the older one is still handed out
  pool.Give(first);
  pool.Give(second);
}

constexpr std::chrono::seconds kPeriod{30};
const SteadyTime kT0{std::chrono::hours(1)};

// `count` probes run at once (so `count` transfers are out together), then all finish.
std::vector<std::shared_ptr<const PreparedProbe>> RunAtOnce(TransferPool& pool, int count,
                                                            const std::string& prefix) {
  std::vector<std::shared_ptr<const PreparedProbe>> probes;
  std::vector<Transfer*> out;
  for (int i = 0; i < count; ++i) {
    probes.push_back(Probe("/" + prefix + std::to_string(i)));
    out.push_back(Ran(pool, probes.back()));
  }
  for (Transfer* t : out) pool.Give(t);
  return probes;
}

TEST(TransferPoolTest, ATrimKeepsEveryEndpointsOwnTransfer) {
  TransferPool pool(64, kT0, kPeriod);
  auto probes = RunAtOnce(pool, 10, "own");  // ten endpoints start at once: ten handles
  pool.Trim(kT0 + kPeriod);
  for (int turn = 0; turn < 3; ++turn) {  // then each reruns on its own handle, one at a time
    for (auto& probe : probes) pool.Give(pool.Take(probe.get()));
  }
  pool.Trim(kT0 + 2 * kPeriod);  // a period whose peak was one transfer out
  EXPECT_EQ(pool.size(), 10u) << "an endpoint's configured handle was freed";
  Transfer* again = pool.Take(probes[3].get());
  EXPECT_EQ(again->configured_for(), probes[3].get());
  pool.Give(again);
}

TEST(TransferPoolTest, AfterABurstTrimsFreeWhatTheNextPeriodDidNotNeedAFewAtATime) {
  TransferPool pool(512, kT0, kPeriod);
  RunAtOnce(pool, 300, "burst");  // more endpoints than a loop's pool: handles are passed on
  pool.Trim(kT0 + kPeriod);
  EXPECT_EQ(pool.size(), 300u) << "the period that had the burst needed all 300";
  RunAtOnce(pool, 4, "calm");  // the next period: four at once at most
  pool.Trim(kT0 + 2 * kPeriod - std::chrono::seconds(1));
  EXPECT_EQ(pool.size(), 300u) << "trimmed before the period ended";
  pool.Trim(kT0 + 2 * kPeriod);
  EXPECT_EQ(pool.size(), 300u - kMaxFreesPerTrim) << "one call frees a bounded number";
  for (int turn = 0; turn < 20; ++turn) pool.Trim(kT0 + 2 * kPeriod);
  EXPECT_EQ(pool.size(), 4u);
}

// The default period: a burst's handles must be gone before the next scrape of a scraper
// every 15 s sees them (with a 30 s period the pool kept them from one round to the next).
TEST(TransferPoolTest, ABurstsHandlesAreFreedWithinFiveSecondsByDefault) {
  TransferPool pool(512, kT0);
  RunAtOnce(pool, 300, "burst");
  for (int second = 1; second <= 5; ++second) {
    RunAtOnce(pool, 4, "calm");  // four at once at most after the burst
    for (int turn = 0; turn < 20; ++turn) pool.Trim(kT0 + std::chrono::seconds(second));
  }
  EXPECT_LE(pool.size(), 4u) << "a burst's handles were still idle 5 s after it";
}

TEST(TransferPoolTest, ATransferStillOutIsNotFreedAndCountsAsOutInTheNextPeriod) {
  TransferPool pool(64, kT0, kPeriod);
  RunAtOnce(pool, 8, "idle");
  auto slow = Probe("/slow");
  Transfer* running = pool.Take(slow.get());  // out across the trims
  pool.Trim(kT0 + kPeriod);                   // the period's peak: 8 out at once
  EXPECT_EQ(pool.size(), 7u);
  pool.Trim(kT0 + 2 * kPeriod);  // nothing ran, but one transfer is still out
  EXPECT_EQ(pool.size(), 1u);
  pool.Give(running);
  EXPECT_EQ(pool.size(), 2u);
}

TEST(TransferPoolTest, AnEndpointsTransferPassedToAnotherProbeIsNoLongerItsOwn) {
  TransferPool pool(8, kT0, kPeriod);
  auto a = Probe("/a");
  auto c = Probe("/c");
  pool.Give(Ran(pool, a));
  pool.Give(pool.Take(a.get()));          // a's own transfer now
  Transfer* passed = pool.Take(c.get());  // the only idle one: passed to c
  ASSERT_TRUE(passed->Prepare(c, nullptr));
  passed->Release();
  pool.Give(passed);
  pool.Trim(kT0 + kPeriod);  // this period had one out at a time: it is needed
  EXPECT_EQ(pool.size(), 1u);
  pool.Trim(kT0 + 2 * kPeriod);  // a calm period: nothing ran
  EXPECT_EQ(pool.size(), 0u) << "kept as a's own after c took it";
}

}  // namespace
}  // namespace latencyd::probes
