#include "daemon/window/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "daemon/window/latency_window.h"

namespace latencyd {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

config::ClassConfig Class(const std::string& name, config::Duration threshold) {
  config::ClassConfig klass;
  klass.name = name;
  klass.threshold = threshold;
  return klass;
}

TEST(BucketBoundsTest, DefaultGridIsOneTwoFiveFrom100usTo10s) {
  const std::vector<double> want = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  EXPECT_EQ(DefaultBucketBounds(), want);
}

TEST(BucketBoundsTest, DefaultClassThresholdsAreAlreadyBounds) {
  config::Config config;
  config.classes["core"] = Class("core", milliseconds(5));
  config.classes["async"] = Class("async", milliseconds(100));
  EXPECT_EQ(BucketBounds(config), DefaultBucketBounds());
}

TEST(BucketBoundsTest, EveryThresholdBecomesABoundSortedAndUnique) {
  config::Config config;
  config.classes["core"] = Class("core", microseconds(1500));
  config.classes["async"] = Class("async", milliseconds(100));
  config.classes["batch"] = Class("batch", milliseconds(30'000));
  config.classes["edge"] = Class("edge", microseconds(1500));
  config.classes["tiny"] = Class("tiny", microseconds(50));
  const std::vector<double> bounds = BucketBounds(config);
  EXPECT_EQ(bounds.size(), DefaultBucketBounds().size() + 3);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  EXPECT_EQ(std::adjacent_find(bounds.begin(), bounds.end()), bounds.end());
  for (double want : {0.00005, 0.0015, 0.1, 30.0}) {
    EXPECT_NE(std::find(bounds.begin(), bounds.end(), want), bounds.end()) << want;
  }
  EXPECT_EQ(bounds.front(), 0.00005);
  EXPECT_EQ(bounds.back(), 30.0);
}

TEST(HistogramTest, ValueEqualToABoundCountsInThatBucket) {
  Histogram histogram({0.001, 0.005, 0.1});
  histogram.Observe(0.005);      // le="0.005"
  histogram.Observe(0.0050001);  // le="0.1"
  histogram.Observe(0.001);      // le="0.001"
  histogram.Observe(0.0);        // le="0.001"
  histogram.Observe(0.5);        // +Inf only
  const HistogramSnapshot s = histogram.Snapshot();
  EXPECT_EQ(s.upper_bounds, (std::vector<double>{0.001, 0.005, 0.1}));
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 0.005 + 0.0050001 + 0.001 + 0.5);
}

TEST(HistogramTest, ThresholdSampleLandsInTheThresholdBucket) {
  config::Config config;
  config.classes["core"] = Class("core", microseconds(1500));
  Histogram histogram(BucketBounds(config));
  // The same conversion EndpointState uses for a probe's total duration.
  histogram.Observe(ToSeconds(microseconds(1500)));
  const HistogramSnapshot s = histogram.Snapshot();
  for (std::size_t i = 0; i < s.upper_bounds.size(); ++i) {
    EXPECT_EQ(s.cumulative[i], s.upper_bounds[i] >= 0.0015 ? 1u : 0u) << s.upper_bounds[i];
  }
}

TEST(HistogramTest, EmptyHistogramHasZeroBuckets) {
  Histogram histogram(DefaultBucketBounds());
  const HistogramSnapshot s = histogram.Snapshot();
  EXPECT_EQ(s.cumulative, std::vector<std::uint64_t>(DefaultBucketBounds().size(), 0));
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum_seconds, 0.0);
}

TEST(HistogramTest, NaNIsIgnored) {
  Histogram histogram({0.001});
  histogram.Observe(NAN);
  EXPECT_EQ(histogram.Snapshot().count, 0u);
}

}  // namespace
}  // namespace latencyd
