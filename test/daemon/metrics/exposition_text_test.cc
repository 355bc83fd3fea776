// SerializeExpositionText against the real prometheus::TextSerializer (prometheus-cpp 1.0.1
// from Debian) on random families of every type, and the one place where they differ on
// purpose: HELP escaping.
#include "daemon/metrics/exposition_text.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace latencyd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Random families; fixed seeds keep any failure reproducible.
class RandomFamilies {
 public:
  explicit RandomFamilies(unsigned seed) : rng_(seed) {}

  MetricFamily Family(int index) {
    MetricFamily family;
    family.name = "metric_" + std::to_string(index);
    family.help = Pick(4) == 0 ? "" : "Help of metric " + std::to_string(index) + ", \"quoted\".";
    family.type = static_cast<MetricType>(Pick(5));  // Counter .. Histogram
    const int metrics = Pick(4);
    for (int i = 0; i < metrics; ++i) family.metric.push_back(Metric(family.type));
    return family;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  double Value() {
    static const double kSpecial[] = {0.0,
                                      -0.0,
                                      1.0,
                                      0.5,
                                      0.1 + 0.2,
                                      1e21,
                                      1e-7,
                                      123456789012345678.0,
                                      std::numeric_limits<double>::denorm_min(),
                                      std::numeric_limits<double>::max(),
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity()};
    switch (Pick(4)) {
      case 0:
        return kSpecial[Pick(sizeof(kSpecial) / sizeof(kSpecial[0]))];
      case 1:  // latencies: microseconds to seconds
        return std::exp(std::uniform_real_distribution<double>(-14, 2)(rng_));
      case 2:  // counts
        return static_cast<double>(std::uniform_int_distribution<std::int64_t>(0, 1 << 30)(rng_));
      default:  // anything finite
        return std::uniform_real_distribution<double>(-1e12, 1e12)(rng_);
    }
  }

  // Valid UTF-8 (whole characters, multi-byte ones included): for invalid UTF-8 the two
  // writers differ on purpose (see ReplacesInvalidUtf8InLabelsAndHelp).
  std::string LabelValue() {
    static const char* const kAlphabet[] = {"a", "b",  "_",  "z",  "0", "9", "/", ":", ".", "-",
                                            " ", "\\", "\"", "\n", "{", "}", "=", ",", "é", "—"};
    std::string value;
    const int length = Pick(12);
    for (int i = 0; i < length; ++i) value += kAlphabet[Pick(std::size(kAlphabet))];
    return value;
  }

  ClientMetric Metric(MetricType type) {
    ClientMetric metric;
    const int labels = Pick(4);
    for (int i = 0; i < labels; ++i)
      metric.label.push_back({"l" + std::to_string(i), LabelValue()});
    if (Pick(5) == 0) metric.timestamp_ms = std::uniform_int_distribution<std::int64_t>()(rng_);
    metric.counter.value = Value();
    metric.gauge.value = Value();
    metric.untyped.value = Value();
    const std::uint64_t count = std::uniform_int_distribution<std::uint64_t>()(rng_);
    if (type == MetricType::Summary) {
      metric.summary.sample_count = count;
      metric.summary.sample_sum = Value();
      for (int i = Pick(5); i > 0; --i) metric.summary.quantile.push_back({Value(), Value()});
    }
    if (type == MetricType::Histogram) {
      metric.histogram.sample_count = count;
      metric.histogram.sample_sum = Value();
      for (int i = Pick(6); i > 0; --i) {
        metric.histogram.bucket.push_back({std::uniform_int_distribution<std::uint64_t>()(rng_),
                                           Value()});  // {cumulative_count, upper_bound}
      }
    }
    return metric;
  }

  std::mt19937_64 rng_;
};

TEST(ExpositionTextTest, WritesWhatPrometheusCppWritesForRandomFamiliesOfEveryType) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    RandomFamilies random(seed);
    std::vector<MetricFamily> families;
    for (int i = 0; i < 8; ++i) families.push_back(random.Family(i));
    ASSERT_EQ(SerializeExpositionText(families), prometheus::TextSerializer().Serialize(families))
        << "seed " << seed;
  }
}

TEST(ExpositionTextTest, HistogramGetsAnInfBucketOnlyWhenItsLastBoundIsFinite) {
  MetricFamily family{"h", "", MetricType::Histogram, {}};
  ClientMetric metric;
  metric.histogram.sample_count = 3;
  metric.histogram.sample_sum = 0.5;
  metric.histogram.bucket = {{1, 0.25}};
  family.metric.push_back(metric);
  metric.histogram.bucket = {{1, 0.25}, {3, std::numeric_limits<double>::infinity()}};
  family.metric.push_back(metric);
  EXPECT_EQ(SerializeExpositionText({family}),
            "# TYPE h histogram\n"
            "h_count 3\nh_sum 0.5\nh_bucket{le=\"0.25\"} 1\nh_bucket{le=\"+Inf\"} 3\n"
            "h_count 3\nh_sum 0.5\nh_bucket{le=\"0.25\"} 1\nh_bucket{le=\"+Inf\"} 3\n");
}

// The format wants backslash and newline escaped in HELP; prometheus-cpp writes them raw, which
// would end the HELP line early and fail the scrape.
TEST(ExpositionTextTest, EscapesBackslashAndNewlineInHelp) {
  MetricFamily family{"g", "a\\b\nc \"d\"", MetricType::Gauge, {}};
  ClientMetric metric;
  metric.gauge.value = 1;
  family.metric.push_back(metric);
  EXPECT_EQ(SerializeExpositionText({family}), "# HELP g a\\\\b\\nc \"d\"\n# TYPE g gauge\ng 1\n");
}

// The format requires UTF-8; prometheus-cpp passes a raw byte through and Prometheus then
// rejects the whole scrape, so each invalid byte becomes U+FFFD, as on the page and in JSON.
TEST(ExpositionTextTest, ReplacesInvalidUtf8InLabelsAndHelp) {
  MetricFamily family{"g", "h\xF6lp", MetricType::Gauge, {}};
  ClientMetric metric;
  metric.label.push_back({"class", "c\xF6r"});
  metric.gauge.value = 1;
  family.metric.push_back(metric);
  EXPECT_EQ(SerializeExpositionText({family}),
            "# HELP g h\xEF\xBF\xBDlp\n# TYPE g gauge\ng{class=\"c\xEF\xBF\xBDr\"} 1\n");
}

TEST(ExpositionTextTest, FormatsDoublesLikePrintfWithSixteenDigits) {
  EXPECT_EQ(FormatExpositionDouble(0.5), "0.5");
  EXPECT_EQ(FormatExpositionDouble(0.1 + 0.2), "0.3");
  EXPECT_EQ(FormatExpositionDouble(0.0008885), "0.0008885");
  EXPECT_EQ(FormatExpositionDouble(1e21), "1e+21");
  EXPECT_EQ(FormatExpositionDouble(-0.0), "-0");
  EXPECT_EQ(FormatExpositionDouble(std::nan("")), "Nan");
  EXPECT_EQ(FormatExpositionDouble(-std::numeric_limits<double>::infinity()), "-Inf");
}

}  // namespace
}  // namespace latencyd
