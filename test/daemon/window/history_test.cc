#include "daemon/window/history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "config/config.h"
#include "daemon/window/endpoint_state.h"
#include "test/support/resident_memory.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kGrid = 1'700'000'100;  // a bucket start: divisible by 300
constexpr double kDay0 = kGrid + 100;          // 100 s into that bucket

using latencyd::testing::ResidentBytes;

// The ring is memory of the configuration: resident once the endpoint is built, not from the
// first 5-minute boundary on (with reserved but untouched pages, 10,000 endpoints stepped up by
// 24 MiB there). Run with the daemon's allocator (jemalloc), which keeps no header beside a
// small allocation: reserved pages stay untouched until written.
TEST(HistoryTest, TheRingIsResidentFromConstructionNotFromTheFirstClose) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers bring their own allocator; RSS says nothing about latencyd's";
#endif
  constexpr int kHistories = 20'000;
  constexpr std::size_t kRingBytes = (History::kBucketCount - 1) * 8;  // 8 bytes a bucket
  std::vector<std::unique_ptr<History>> histories;
  histories.reserve(kHistories);
  for (int i = 0; i < kHistories; ++i) {
    histories.push_back(std::make_unique<History>());
    histories.back()->Advance(kDay0, 0, 0);  // opens the first bucket
  }
  const std::size_t before = ResidentBytes();
  for (auto& history : histories) {
    history->CountSuccess();
    history->Advance(kDay0 + History::kBucketSeconds, 1000, 2000);  // closes it
  }
  const std::size_t after = ResidentBytes();
  const std::size_t grown = after - std::min(after, before);
  EXPECT_LT(grown, kHistories * kRingBytes / 10)
      << "closing the first bucket made " << (grown >> 20) << " MiB resident";
  EXPECT_EQ(histories.front()->ClosedBuckets().size(), 1u);
}

TEST(HistoryCodeTest, ExactBelowFourMillisecondsAndWithinAQuarterPermilleAbove) {
  for (std::uint32_t micros : {0u, 1u, 999u, 4095u})
    EXPECT_EQ(DecodeMicros(EncodeMicros(micros)), micros);
  for (std::uint32_t micros : {4096u, 4097u, 5000u, 5001u, 123'456u, 99'999'999u}) {
    const double decoded = DecodeMicros(EncodeMicros(micros));
    EXPECT_LE(std::abs(decoded - micros) / micros, 1.0 / 4096) << micros;
  }
  EXPECT_EQ(DecodeMicros(EncodeMicros(0xFFFFFFFFu)), 4095u << 15);  // saturates at 134 s
  EXPECT_EQ(DecodeMicros(EncodeMicros(8191u)), 8192u);  // rounding carries into the next octave
}

TEST(HistoryTest, BucketsSitOnTheFiveMinuteWallClockGrid) {
  EXPECT_EQ(History::BucketIndex(0), 0);
  EXPECT_EQ(History::BucketIndex(299.999), 0);
  EXPECT_EQ(History::BucketIndex(300), 1);
  EXPECT_EQ(History::BucketIndex(-1), -1);
}

TEST(HistoryTest, CountsLandInTheOpenBucketAndGapsBecomeEmptyBuckets) {
  History history;
  EXPECT_TRUE(history.Buckets(0, 0).empty());
  history.Advance(kDay0, 0, 0);
  history.CountSuccess();
  history.CountSuccess();
  history.CountFailure();
  history.MarkBreached();
  EXPECT_FALSE(history.IsPast(kDay0 + 199.9));  // the same bucket until kGrid + 300
  ASSERT_TRUE(history.IsPast(kDay0 + 200));
  history.Advance(kDay0 + 200 + 600, 1500, 4000);  // skips two buckets
  history.CountSkipped(3);

  const std::vector<HistoryBucket> buckets = history.Buckets(0, 0);
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].start_unix_seconds, kGrid);
  EXPECT_EQ(buckets[0].successes, 2u);
  EXPECT_EQ(buckets[0].failures, 1u);
  EXPECT_TRUE(buckets[0].breached);
  EXPECT_DOUBLE_EQ(buckets[0].median_seconds, 0.0015);
  EXPECT_DOUBLE_EQ(buckets[0].p99_seconds, 0.004);
  for (int i : {1, 2}) {
    EXPECT_EQ(buckets[i].start_unix_seconds, kGrid + 300 * i);
    EXPECT_EQ(buckets[i].successes + buckets[i].failures + buckets[i].skipped, 0u);
    EXPECT_TRUE(std::isnan(buckets[i].median_seconds));
    EXPECT_FALSE(buckets[i].breached);
  }
  EXPECT_EQ(buckets[3].start_unix_seconds, kGrid + 900);
  EXPECT_EQ(buckets[3].skipped, 3u);
  EXPECT_NEAR(history.UptimeRatio(), 2.0 / 3, 1e-12);
}

TEST(HistoryTest, KeepsExactlyTwentyFourHoursAndForgetsAfterALongGap) {
  History history;
  for (int i = 0; i < 400; ++i) {
    history.Advance(kDay0 + 300.0 * i, 1000, 2000);
    for (int k = 0; k <= i % 3; ++k) history.CountSuccess();
    if (i % 5 == 0) history.MarkBreached();
    if (i % 7 == 0) history.CountSkipped(i % 4 + 1);
  }
  std::vector<HistoryBucket> buckets = history.Buckets(1000, 2000);
  ASSERT_EQ(buckets.size(), static_cast<std::size_t>(History::kBucketCount));
  EXPECT_EQ(buckets.back().start_unix_seconds - buckets.front().start_unix_seconds,
            287 * History::kBucketSeconds);
  EXPECT_EQ(buckets.back().start_unix_seconds, kGrid + 399 * 300);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::size_t n = 400 - 288 + i;  // the i of the loop above
    EXPECT_EQ(buckets[i].successes, n % 3 + 1) << i;
    EXPECT_EQ(buckets[i].breached, n % 5 == 0) << i;
    EXPECT_EQ(buckets[i].skipped, n % 7 == 0 ? n % 4 + 1 : 0) << i;
  }
  // What the state file gets back restores the same buckets.
  History restored;
  restored.Restore(history.open_index(), history.open_counts(), history.ClosedBuckets());
  const std::vector<HistoryBucket> again = restored.Buckets(1000, 2000);
  ASSERT_EQ(again.size(), buckets.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].start_unix_seconds, buckets[i].start_unix_seconds);
    EXPECT_EQ(again[i].successes, buckets[i].successes);
    EXPECT_EQ(again[i].skipped, buckets[i].skipped) << i;
    EXPECT_EQ(again[i].breached, buckets[i].breached) << i;
  }
  // A clock stepped back counts into the open bucket.
  history.Advance(kDay0, 0, 0);
  history.CountFailure();
  EXPECT_EQ(history.Buckets(0, 0).back().failures, 1u);
  // A gap longer than a day leaves only the new open bucket.
  history.Advance(kDay0 + 300.0 * 400 + 86'400 * 2, 0, 0);
  EXPECT_EQ(history.Buckets(0, 0).size(), 1u);
}

TEST(HistoryTest, LargeCountsScaleTogetherSoTheRatioHolds) {
  History history;
  history.Advance(kDay0, 0, 0);
  for (int i = 0; i < 200'000; ++i) history.CountSuccess();
  for (int i = 0; i < 100'000; ++i) history.CountFailure();
  history.Advance(kDay0 + 300, 1000, 1000);
  const HistoryBucket closed = history.Buckets(0, 0).front();
  EXPECT_EQ(closed.successes, 200'000u >> 2);
  EXPECT_EQ(closed.failures, 100'000u >> 2);
  EXPECT_NEAR(history.UptimeRatio(), 2.0 / 3, 1e-9);
}

// The EndpointState feeds the history from real results with injected times.
class EndpointHistoryTest : public ::testing::Test {
 protected:
  EndpointHistoryTest() {
    endpoint_.name = "api";
    endpoint_.url = "http://user:pw@127.0.0.1:1/x?token=abc&page=2";
    endpoint_.class_name = "core";
    endpoint_.interval = seconds(1);
    endpoint_.timeout = seconds(1);
    endpoint_.window = seconds(300);
    endpoint_.quantiles = {0.5};
    core_.name = "core";
    core_.threshold = milliseconds(5);
    core_.quantile = 0.5;
    core_.min_samples = 1;
  }
  void Probe(EndpointState& state, double at_unix, bool ok, Duration total) {
    probes::ProbeResult r;
    r.ok = ok;
    // Not a timeout: timed-out probes enter the window at their deadline (README, "Breach").
    r.reason = ok ? probes::FailureReason::kNone : probes::FailureReason::kStatus;
    r.total = total;
    r.finished_wall = Wall(at_unix);
    state.Record(r, Steady(at_unix));
  }
  static probes::WallTime Wall(double unix) {
    return probes::WallTime(std::chrono::duration_cast<probes::WallTime::duration>(
        std::chrono::duration<double>(unix)));
  }
  // The steady clock runs a fixed offset from the wall clock in these tests.
  static SteadyTime Steady(double unix) {
    return SteadyTime(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(unix)));
  }
  config::Endpoint endpoint_;
  config::ClassConfig core_;
};

TEST_F(EndpointHistoryTest, BucketMedianAndP99AreExactOverTheBucketsOwnSamples) {
  EndpointState state(endpoint_, core_, {0.005});
  // Bucket [kGrid, +300): 1..100 ms and a failure; the next bucket: 7 ms only.
  for (int i = 1; i <= 100; ++i) Probe(state, kGrid + i, true, milliseconds(i));
  Probe(state, kGrid + 150, false, seconds(1));
  Probe(state, kGrid + 310, true, milliseconds(7));
  const EndpointSnapshot s =
      state.Snapshot(Steady(kGrid + 320), Wall(kGrid + 320), SnapshotDetail::kWithHistory);
  ASSERT_EQ(s.history.size(), 2u);
  EXPECT_EQ(s.history[0].successes, 100u);
  EXPECT_EQ(s.history[0].failures, 1u);
  EXPECT_NEAR(s.history[0].median_seconds, 0.0505, 0.0505 / 4096);  // numpy: 50.5 ms
  EXPECT_NEAR(s.history[0].p99_seconds, 0.09901, 0.09901 / 4096);   // numpy: 99.01 ms
  EXPECT_TRUE(s.history[0].breached);  // the detector had flipped well before the close
  EXPECT_DOUBLE_EQ(s.history[1].median_seconds, 0.007);
  EXPECT_EQ(s.history[1].start_unix_seconds, kGrid + 300);
  EXPECT_NEAR(s.uptime_ratio_24h, 101.0 / 102, 1e-12);  // 101 successes, 1 failure
  EXPECT_EQ(s.url, "http://user:xxxxx@127.0.0.1:1/x?token=xxxxx&page=2");
  EXPECT_DOUBLE_EQ(s.interval_seconds, 1.0);
}

TEST_F(EndpointHistoryTest, SinceTimesFollowFailuresAndBreaches) {
  EndpointState state(endpoint_, core_, {0.005});
  Probe(state, 1'700'000'001, true, milliseconds(1));
  EXPECT_EQ(state.Snapshot(Steady(1'700'000'002), Wall(1'700'000'002)).healthy_since_seconds,
            1'700'000'001);
  Probe(state, 1'700'000'003, false, seconds(1));
  Probe(state, 1'700'000'004, false, seconds(1));
  EndpointSnapshot s = state.Snapshot(Steady(1'700'000'005), Wall(1'700'000'005));
  EXPECT_EQ(s.failing_since_seconds, 1'700'000'003);
  for (int i = 6; i < 60; ++i) Probe(state, 1'700'000'000 + i, true, milliseconds(9));
  s = state.Snapshot(Steady(1'700'000'060), Wall(1'700'000'060));
  EXPECT_EQ(s.failing_since_seconds, 0);
  EXPECT_TRUE(s.breached);
  // Breached since the detector decided (a probe's time), not since the snapshot looked.
  EXPECT_GT(s.breached_since_seconds, 1'700'000'006);
  EXPECT_LT(s.breached_since_seconds, 1'700'000'060);
  EXPECT_EQ(s.breached_since_seconds, s.verdict_since_seconds);
  EXPECT_EQ(s.healthy_since_seconds, 1'700'000'006);
}

}  // namespace
}  // namespace latencyd
