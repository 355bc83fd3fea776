#include "daemon/window/breach_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace latencyd {
namespace {

constexpr double kT0 = 1.7e9;  // unix seconds; one sample per second after it

// Feeds `count` samples that are above the threshold with probability `p_above`, one per
// second from `*t`; returns how many state changes happened.
int Feed(BreachDetector& d, double p_above, int count, double* t, std::mt19937_64& rng) {
  std::bernoulli_distribution above(p_above);
  int changes = 0;
  for (int i = 0; i < count; ++i) changes += d.Observe(above(rng), (*t)++) ? 1 : 0;
  return changes;
}

TEST(BreachDetectorTest, StartsOkAndSinceTheFirstSample) {
  BreachDetector d;
  EXPECT_FALSE(d.state().breached);
  EXPECT_EQ(d.state().since_unix_seconds, 0) << "unknown before any sample";
  d.Observe(false, kT0);
  EXPECT_EQ(d.state().since_unix_seconds, kT0);
  EXPECT_EQ(d.state().samples, 1u);
}

TEST(BreachDetectorTest, FlipsAfterTheLevelIsReachedAndNotBefore) {
  BreachDetector d;
  const double step = std::log(d.params().rise_breached / d.params().rise_healthy);
  const int needed = static_cast<int>(std::ceil(d.params().level / step));
  for (int i = 0; i < needed - 1; ++i) EXPECT_FALSE(d.Observe(true, kT0 + i)) << i;
  EXPECT_FALSE(d.state().breached);
  EXPECT_NEAR(d.state().rise, (needed - 1) * step, 1e-9);
  EXPECT_TRUE(d.Observe(true, kT0 + needed));
  EXPECT_TRUE(d.state().breached);
  EXPECT_EQ(d.state().since_unix_seconds, kT0 + needed);
  EXPECT_EQ(d.state().rise, 0) << "each direction starts from no evidence";
}

TEST(BreachDetectorTest, ASingleFastSampleDoesNotUndoTheEvidence) {
  BreachDetector d;
  for (int i = 0; i < 10; ++i) d.Observe(true, kT0 + i);
  const double before = d.state().rise;
  d.Observe(false, kT0 + 10);
  EXPECT_GT(d.state().rise, 0);
  EXPECT_LT(d.state().rise, before);
}

TEST(BreachDetectorTest, ClearsWhenFastSamplesReturn) {
  BreachDetector d;
  double t = kT0;
  for (int i = 0; i < 60; ++i) d.Observe(true, t++);
  ASSERT_TRUE(d.state().breached);
  int n = 0;
  while (d.state().breached && n < 1000) {
    d.Observe(false, t++);
    ++n;
  }
  EXPECT_FALSE(d.state().breached);
  const double step = std::log((1 - d.params().fall_healthy) / (1 - d.params().fall_breached));
  EXPECT_EQ(n, static_cast<int>(std::ceil(d.params().level / step)));
  EXPECT_EQ(d.state().since_unix_seconds, t - 1);
}

TEST(BreachDetectorTest, FlipsOnAStepAndClearsOnRecoveryWithNoise) {
  std::mt19937_64 rng(7);
  BreachDetector d;
  double t = kT0;
  // 0.3x -> 1.6x of the threshold with lognormal noise is roughly p = 0.03 -> 0.82.
  EXPECT_EQ(Feed(d, 0.03, 3600, &t, rng), 0);
  EXPECT_EQ(Feed(d, 0.82, 120, &t, rng), 1);
  EXPECT_TRUE(d.state().breached);
  EXPECT_NEAR(d.state().above_fraction, 0.82, 0.25);
  EXPECT_EQ(Feed(d, 0.03, 120, &t, rng), 1);
  EXPECT_FALSE(d.state().breached);
}

TEST(BreachDetectorTest, DoesNotFlapAtTheBoundary) {
  // p = 0.5 is a median exactly at the threshold: the state may settle either way but must
  // not change more than once per 600 samples (10 minutes of 1 s probes) on average.
  std::mt19937_64 rng(11);
  BreachDetector d;
  double t = kT0;
  const int samples = 600 * 200;
  const int changes = Feed(d, 0.5, samples, &t, rng);
  EXPECT_LE(changes, samples / 600) << changes << " changes in " << samples << " samples";
}

TEST(BreachDetectorTest, StaysQuietWellBelowTheBoundary) {
  std::mt19937_64 rng(13);
  BreachDetector d;
  double t = kT0;
  EXPECT_EQ(Feed(d, 0.25, 200'000, &t, rng), 0);
}

TEST(BreachDetectorTest, SameParamsKeepTheStateOthersResetIt) {
  BreachDetector d;
  for (int i = 0; i < 60; ++i) d.Observe(true, kT0 + i);
  ASSERT_TRUE(d.state().breached);
  const BreachDetectorState kept = d.state();
  d.SetParams(BreachDetectorParams{});
  EXPECT_EQ(d.state(), kept) << "an unchanged reload keeps the verdict";
  d.SetParams(DetectorParamsFor(0.5, 12));
  EXPECT_FALSE(d.state().breached) << "a new level is a new test";
  EXPECT_EQ(d.state().samples, 0u);
}

TEST(BreachDetectorTest, RestoreBringsBackASavedState) {
  BreachDetector d;
  for (int i = 0; i < 60; ++i) d.Observe(true, kT0 + i);
  BreachDetector restarted;
  restarted.Restore(d.state());
  EXPECT_EQ(restarted.state(), d.state());
  EXPECT_TRUE(restarted.state().breached);
}

TEST(BreachDetectorTest, OtherQuantilesKeepTheirLogOddsAroundTheBoundary) {
  const BreachDetectorParams median = DetectorParamsFor(0.5, 0);
  EXPECT_DOUBLE_EQ(median.rise_healthy, 0.4);
  EXPECT_DOUBLE_EQ(median.rise_breached, 0.7);
  const BreachDetectorParams p99 = DetectorParamsFor(0.99, 0);
  // p99 is above the threshold when more than 1 % of samples are.
  EXPECT_LT(p99.rise_healthy, 0.01);
  EXPECT_GT(p99.rise_breached, 0.01);
  EXPECT_LT(p99.fall_healthy, p99.fall_breached);
  EXPECT_NEAR(std::log(p99.rise_breached / (1 - p99.rise_breached)) - std::log(0.01 / 0.99),
              std::log(0.7 / 0.3), 1e-9);
}

}  // namespace
}  // namespace latencyd
