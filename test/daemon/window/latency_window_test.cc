#include "daemon/window/latency_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <random>
#include <vector>

#include "daemon/window/quantile.h"

namespace latencyd {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1000);

probes::PhaseTimings Phases(Duration total) {
  // A split of `total` that keeps every phase distinct and in whole microseconds.
  probes::PhaseTimings p;
  const auto us = std::chrono::duration_cast<microseconds>(total).count();
  p.dns = microseconds(us / 10);
  p.connect = microseconds(us / 5);
  p.tls = microseconds(0);
  p.ttfb = microseconds(us / 2);
  p.transfer = microseconds(us - us / 10 - us / 5 - us / 2);
  return p;
}

std::vector<double> Reference(std::vector<double> values, const std::vector<double>& qs) {
  std::sort(values.begin(), values.end());
  std::vector<double> out;
  for (double q : qs) out.push_back(ExactQuantile(values, q));
  return out;
}

void ExpectSameQuantiles(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << i;
    } else {
      EXPECT_NEAR(got[i], want[i], 1e-12) << i;
    }
  }
}

const std::vector<double> kQs = {0.5, 0.9, 0.95, 0.99};

TEST(LatencyWindowTest, EmptyWindowGivesNaN) {
  LatencyWindow window(seconds(300), 100);
  EXPECT_TRUE(window.empty());
  for (double v : window.Quantiles(Series::kTotal, kQs)) EXPECT_TRUE(std::isnan(v));
  for (double v : window.Quantiles(Series::kTtfb, kQs)) EXPECT_TRUE(std::isnan(v));
}

TEST(LatencyWindowTest, QuantilesMatchBruteForceForManySizes) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> micros(50, 200'000);
  for (std::size_t n : {0, 1, 2, 3, 10, 99, 300, 1001}) {
    LatencyWindow window(seconds(3600), 5000);
    std::vector<double> totals;
    std::vector<double> ttfbs;
    for (std::size_t i = 0; i < n; ++i) {
      const Duration total = microseconds(micros(rng));
      const probes::PhaseTimings phases = Phases(total);
      window.Add(kT0 + milliseconds(i), total, phases);
      totals.push_back(ToSeconds(total));
      ttfbs.push_back(ToSeconds(phases.ttfb));
    }
    ASSERT_EQ(window.size(), n);
    ExpectSameQuantiles(window.Quantiles(Series::kTotal, kQs), Reference(totals, kQs));
    ExpectSameQuantiles(window.Quantiles(Series::kTtfb, kQs), Reference(ttfbs, kQs));
  }
}

TEST(LatencyWindowTest, EveryPhaseHasItsOwnSeries) {
  LatencyWindow window(seconds(60), 10);
  probes::PhaseTimings p;
  p.dns = microseconds(1);
  p.connect = microseconds(2);
  p.tls = microseconds(3);
  p.ttfb = microseconds(4);
  p.transfer = microseconds(5);
  window.Add(kT0, microseconds(15), p);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.5})[0], 15e-6);
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    EXPECT_DOUBLE_EQ(window.Quantiles(PhaseSeries(phase), {0.5})[0], (phase + 1) * 1e-6) << phase;
  }
}

TEST(LatencyWindowTest, StoresWholeMicroseconds) {
  LatencyWindow window(seconds(60), 10);
  window.Add(kT0, std::chrono::nanoseconds(1'234'567), {});
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.5})[0], 0.001235);
  LatencyWindow negative(seconds(60), 10);
  negative.Add(kT0, std::chrono::nanoseconds(-5), {});
  EXPECT_EQ(negative.Quantiles(Series::kTotal, {0.5})[0], 0.0);
}

TEST(LatencyWindowTest, ExpiresByTime) {
  LatencyWindow window(seconds(5), 1000);
  for (int i = 0; i <= 10; ++i) window.Add(kT0 + seconds(i), milliseconds(i + 1), {});
  window.Expire(kT0 + seconds(10));
  // Keeps (now - 5 s, now]: the samples taken at 6..10 s, not the one exactly 5 s old.
  EXPECT_EQ(window.size(), 5u);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.0})[0], 0.007);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {1.0})[0], 0.011);

  window.Expire(kT0 + seconds(10));  // idempotent
  EXPECT_EQ(window.size(), 5u);
  window.Expire(kT0 + seconds(15) - std::chrono::nanoseconds(1));
  EXPECT_EQ(window.size(), 1u);
  window.Expire(kT0 + seconds(15));
  EXPECT_TRUE(window.empty());
  EXPECT_TRUE(std::isnan(window.Quantiles(Series::kTotal, {0.5})[0]));
}

TEST(LatencyWindowTest, ExpiresByCountOldestFirst) {
  LatencyWindow window(seconds(300), 3);
  for (int i = 1; i <= 5; ++i) window.Add(kT0 + seconds(i), milliseconds(i), {});
  EXPECT_EQ(window.size(), 3u);
  ExpectSameQuantiles(window.Quantiles(Series::kTotal, {0.0, 0.5, 1.0}), {0.003, 0.004, 0.005});
}

TEST(LatencyWindowTest, RandomAddsAndExpiriesMatchASimpleModel) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> step_ms(0, 700);
  std::uniform_int_distribution<int> micros(100, 20'000);
  const Duration span = seconds(10);
  const std::size_t cap = 25;
  LatencyWindow window(span, cap);
  std::deque<std::pair<SteadyTime, double>> model;
  SteadyTime now = kT0;
  for (int i = 0; i < 2000; ++i) {
    now += milliseconds(step_ms(rng));
    const Duration total = microseconds(micros(rng));
    window.Add(now, total, {});
    model.emplace_back(now, ToSeconds(total));
    if (model.size() > cap) model.pop_front();
    if (i % 7 == 0) {
      const SteadyTime later = now + milliseconds(step_ms(rng) * 10);
      window.Expire(later);
      while (!model.empty() && model.front().first <= later - span) model.pop_front();
      std::vector<double> values;
      for (const auto& entry : model) values.push_back(entry.second);
      ASSERT_EQ(window.size(), model.size()) << i;
      ExpectSameQuantiles(window.Quantiles(Series::kTotal, kQs), Reference(values, kQs));
    }
  }
}

TEST(LatencyWindowTest, RepeatedQuantilesAreStableAndFollowChanges) {
  LatencyWindow window(seconds(60), 100);
  window.Add(kT0, milliseconds(1), {});
  window.Add(kT0 + seconds(1), milliseconds(3), {});
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.002);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.002);    // cached answer
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.0})[0], 0.001);  // other qs
  window.Add(kT0 + seconds(2), milliseconds(5), {});
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.003);
  window.Expire(kT0 + seconds(60));  // drops the first sample
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.004);
}

// A batch prepared, computed and adopted as EndpointState::SnapshotInto does.
QuantileBatch BatchOf(const LatencyWindow& window, const std::vector<double>& qs) {
  QuantileBatch batch;
  window.PrepareQuantiles(qs, batch);
  batch.Compute();
  window.AdoptQuantiles(batch);
  return batch;
}

TEST(QuantileBatchTest, AnswersLikeQuantilesForEverySeriesAndSize) {
  std::mt19937 random(11);
  std::uniform_int_distribution<int> micros(1, 100'000);
  for (int size : {0, 1, 2, 3, 10, 299, 1000}) {
    LatencyWindow window(seconds(100'000), 100'000);
    std::vector<double> values[kSeriesCount];
    for (int i = 0; i < size; ++i) {
      const Duration total = microseconds(micros(random));
      window.Add(kT0 + milliseconds(i), total, Phases(total));
      values[0].push_back(std::chrono::duration<double>(total).count());
      for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
        values[phase + 1].push_back(
            std::chrono::duration<double>(probes::PhaseAt(Phases(total), phase)).count());
      }
    }
    QuantileBatch batch = BatchOf(window, kQs);
    EXPECT_EQ(batch.qs(), kQs);
    for (int series = 0; series < kSeriesCount; ++series) {
      SCOPED_TRACE(::testing::Message() << "size " << size << ", series " << series);
      ExpectSameQuantiles(batch.Seconds(static_cast<Series>(series)),
                          Reference(values[series], kQs));
    }
  }
}

TEST(QuantileBatchTest, AdoptedAnswersServeTheNextBatchUntilTheWindowChanges) {
  LatencyWindow window(seconds(60), 100);
  window.Add(kT0, milliseconds(1), {});
  window.Add(kT0 + seconds(1), milliseconds(3), {});
  EXPECT_TRUE(BatchOf(window, kQs).NeedsCompute());

  QuantileBatch again;
  window.PrepareQuantiles(kQs, again);
  EXPECT_FALSE(again.NeedsCompute());  // every series from the cache: nothing to sort
  EXPECT_DOUBLE_EQ(again.Seconds(Series::kTotal)[0], 0.002);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.002);

  QuantileBatch other_qs;
  window.PrepareQuantiles({0.0}, other_qs);
  EXPECT_TRUE(other_qs.NeedsCompute());

  window.Add(kT0 + seconds(2), milliseconds(5), {});
  QuantileBatch after_add;
  window.PrepareQuantiles(kQs, after_add);
  EXPECT_TRUE(after_add.NeedsCompute());
}

// A probe recorded while a scrape sorted its copy: the scrape's answers are of the samples it
// copied and must not be cached as the answers of the window that now holds one more.
TEST(QuantileBatchTest, AnswersForAWindowThatChangedMeanwhileAreNotCached) {
  LatencyWindow window(seconds(60), 100);
  window.Add(kT0, milliseconds(1), {});
  window.Add(kT0 + seconds(1), milliseconds(3), {});
  QuantileBatch batch;
  window.PrepareQuantiles(kQs, batch);
  window.Add(kT0 + seconds(2), milliseconds(5), {});  // between copy and adoption
  batch.Compute();
  window.AdoptQuantiles(batch);
  EXPECT_DOUBLE_EQ(batch.Seconds(Series::kTotal)[0], 0.002);  // what was copied

  QuantileBatch next;
  window.PrepareQuantiles(kQs, next);
  EXPECT_TRUE(next.NeedsCompute());
  next.Compute();
  EXPECT_DOUBLE_EQ(next.Seconds(Series::kTotal)[0], 0.003);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, kQs)[0], 0.003);
}

// Two scrapes at once: the one that copied before a probe was recorded finishes last. Its
// answers are stale and must not evict the fresher ones the other scrape cached.
TEST(QuantileBatchTest, AStaleBatchDoesNotEvictFresherAnswers) {
  LatencyWindow window(seconds(60), 100);
  window.Add(kT0, milliseconds(1), {});
  QuantileBatch slow;
  window.PrepareQuantiles(kQs, slow);
  window.Add(kT0 + seconds(1), milliseconds(3), {});
  QuantileBatch fast = BatchOf(window, kQs);
  slow.Compute();
  window.AdoptQuantiles(slow);

  QuantileBatch next;
  window.PrepareQuantiles(kQs, next);
  EXPECT_FALSE(next.NeedsCompute());
  EXPECT_DOUBLE_EQ(next.Seconds(Series::kTotal)[0], 0.002);
  EXPECT_DOUBLE_EQ(fast.Seconds(Series::kTotal)[0], 0.002);
  EXPECT_DOUBLE_EQ(slow.Seconds(Series::kTotal)[0], 0.001);
}

TEST(QuantileBatchTest, AReusedBatchForgetsTheLastWindow) {
  LatencyWindow big(seconds(60), 100);
  for (int i = 0; i < 50; ++i) big.Add(kT0 + milliseconds(i), milliseconds(100 + i), {});
  LatencyWindow empty(seconds(60), 100);
  QuantileBatch batch;
  big.PrepareQuantiles(kQs, batch);
  batch.Compute();
  empty.PrepareQuantiles({0.5}, batch);
  batch.Compute();
  ASSERT_EQ(batch.Seconds(Series::kTotal).size(), 1u);
  EXPECT_TRUE(std::isnan(batch.Seconds(Series::kTotal)[0]));
}

TEST(LatencyWindowTest, LateSampleIsFiledAtTheNewestTime) {
  LatencyWindow window(seconds(10), 100);
  window.Add(kT0 + seconds(5), milliseconds(1), {});
  window.Add(kT0 + seconds(1), milliseconds(2), {});  // finished "earlier" on another thread
  window.Expire(kT0 + seconds(12));                   // would drop a sample at 1 s, not one at 5 s
  EXPECT_EQ(window.size(), 2u);
  window.Expire(kT0 + seconds(15));
  EXPECT_EQ(window.size(), 0u);
}

TEST(LatencyWindowTest, ResizeKeepsTheNewestSamples) {
  LatencyWindow window(seconds(100), 50);
  for (int i = 1; i <= 40; ++i) window.Add(kT0 + seconds(i), milliseconds(i), {});
  window.Resize(seconds(20), 10);
  EXPECT_EQ(window.size(), 10u);
  EXPECT_EQ(window.span(), seconds(20));
  EXPECT_EQ(window.max_samples(), 10u);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.0})[0], 0.031);
  window.Add(kT0 + seconds(41), milliseconds(41), {});
  EXPECT_EQ(window.size(), 10u);
  window.Expire(kT0 + seconds(55));  // keeps (35 s, 55 s]
  EXPECT_EQ(window.size(), 6u);
}

TEST(LatencyWindowTest, WrapsAroundTheRingManyTimes) {
  LatencyWindow window(seconds(3), 1000);
  for (int i = 0; i < 10'000; ++i) {
    window.Add(kT0 + milliseconds(100 * i), microseconds(1000 + i % 30), {});
    window.Expire(kT0 + milliseconds(100 * i));
    ASSERT_LE(window.size(), 30u);
  }
  EXPECT_EQ(window.size(), 30u);
  EXPECT_DOUBLE_EQ(window.Quantiles(Series::kTotal, {0.5})[0], 0.0010145);
}

// Allocated by the probe loops as endpoints fill up, the rings left holes in the loops'
// malloc arenas (bench/README.md); the whole ring is allocated with the window instead.
TEST(LatencyWindowTest, AnEndpointWindowHoldsItsWholeRingFromTheStart) {
  LatencyWindow window(seconds(300), 336);
  const std::size_t whole = 336 * sizeof(LatencyWindow::Sample);
  EXPECT_EQ(window.HeapBytes(), whole) << "before the first sample";
  for (int i = 0; i < 1000; ++i) window.Add(kT0 + seconds(i), milliseconds(1), {});
  EXPECT_EQ(window.HeapBytes(), whole);
  window.Restore(window.Samples());
  EXPECT_EQ(window.HeapBytes(), whole);
  EXPECT_EQ(window.size(), 336u);
  window.Resize(seconds(600), 672);  // a reload that lengthens the window
  EXPECT_EQ(window.HeapBytes(), 672 * sizeof(LatencyWindow::Sample));
  EXPECT_EQ(window.size(), 336u);
}

TEST(LatencyWindowTest, AWindowGrownInStepsHoldsAboutWhatItUses) {
  LatencyWindow window(seconds(60), 100'000, LatencyWindow::Ring::kGrownInSteps);
  for (int i = 0; i < 100; ++i) window.Add(kT0 + milliseconds(i), milliseconds(1), {});
  EXPECT_GE(window.HeapBytes(), 100 * sizeof(LatencyWindow::Sample));
  EXPECT_LE(window.HeapBytes(), 150 * sizeof(LatencyWindow::Sample));
}

}  // namespace
}  // namespace latencyd
