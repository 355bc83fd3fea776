#include "daemon/window/quantile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace latencyd {
namespace {

// An independent reading of numpy's "linear" method: the piecewise-linear curve through the
// points (k / (n - 1), x[k]), evaluated at q by scanning for q's segment.
double ReferenceQuantile(const std::vector<double>& sorted, double q) {
  const std::size_t n = sorted.size();
  if (n == 0) return NAN;
  if (n == 1) return sorted[0];
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double left = static_cast<double>(k) / static_cast<double>(n - 1);
    const double right = static_cast<double>(k + 1) / static_cast<double>(n - 1);
    if (q <= right || k + 2 == n) {
      const double t = (q - left) / (right - left);
      return sorted[k] + t * (sorted[k + 1] - sorted[k]);
    }
  }
  return sorted.back();
}

// Python's statistics.median.
double ReferenceMedian(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

TEST(ExactQuantileTest, EmptyIsNaN) {
  EXPECT_TRUE(std::isnan(ExactQuantile(std::vector<double>{}, 0.5)));
  EXPECT_TRUE(std::isnan(ExactQuantile(std::vector<std::uint32_t>{}, 0.99)));
}

TEST(ExactQuantileTest, OutOfRangeQIsNaN) {
  const std::vector<double> values = {1, 2, 3};
  EXPECT_TRUE(std::isnan(ExactQuantile(values, -0.1)));
  EXPECT_TRUE(std::isnan(ExactQuantile(values, 1.5)));
  EXPECT_TRUE(std::isnan(ExactQuantile(values, NAN)));
}

TEST(ExactQuantileTest, KnownNumpyValues) {
  struct Case {
    std::vector<double> sorted;
    double q;
    double want;  // numpy.quantile(sorted, q)
  };
  const Case cases[] = {
      {{7}, 0.0, 7},
      {{7}, 0.5, 7},
      {{7}, 1.0, 7},
      {{1, 2}, 0.5, 1.5},
      {{1, 2}, 0.9, 1.9},
      {{1, 2, 3, 4}, 0.5, 2.5},
      {{1, 2, 3, 4}, 0.9, 3.7},
      {{15, 20, 35, 40, 50}, 0.4, 29},
      {{15, 20, 35, 40, 50}, 0.0, 15},
      {{15, 20, 35, 40, 50}, 1.0, 50},
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.25, 3.25},
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.99, 9.91},
  };
  for (const Case& c : cases) {
    EXPECT_NEAR(ExactQuantile(c.sorted, c.q), c.want, 1e-12) << "q=" << c.q;
  }
}

TEST(ExactQuantileTest, UnsignedOverloadAgrees) {
  const std::vector<std::uint32_t> micros = {600, 700, 716, 2000};
  EXPECT_DOUBLE_EQ(ExactQuantile(micros, 0.5), 708);
  EXPECT_DOUBLE_EQ(ExactQuantile(micros, 0.0), 600);
  EXPECT_DOUBLE_EQ(ExactQuantile(micros, 1.0), 2000);
}

TEST(ExactQuantileTest, MatchesBruteForceOnRandomData) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> value(0, 10);
  std::uniform_real_distribution<double> any_q(0, 1);
  for (std::size_t n : {1, 2, 3, 4, 5, 7, 10, 31, 100, 299, 300, 1000}) {
    for (int round = 0; round < 20; ++round) {
      std::vector<double> values(n);
      for (double& v : values) v = value(rng);
      std::sort(values.begin(), values.end());
      for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0, any_q(rng)}) {
        const double got = ExactQuantile(values, q);
        EXPECT_NEAR(got, ReferenceQuantile(values, q), 1e-9) << "n=" << n << " q=" << q;
        EXPECT_GE(got, values.front());
        EXPECT_LE(got, values.back());
      }
    }
  }
}

TEST(ExactQuantileTest, HalfIsPythonMedianExactly) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> micros(1, 5'000'000);
  for (std::size_t n = 1; n <= 64; ++n) {
    std::vector<double> values(n);
    for (double& v : values) v = micros(rng);
    std::sort(values.begin(), values.end());
    EXPECT_EQ(ExactQuantile(values, 0.5), ReferenceMedian(values)) << "n=" << n;
  }
}

TEST(ExactQuantileTest, EqualValuesGiveThatValue) {
  const std::vector<double> values(17, 0.0042);
  for (double q : {0.0, 0.3, 0.5, 0.99, 1.0}) EXPECT_EQ(ExactQuantile(values, q), 0.0042);
}

}  // namespace
}  // namespace latencyd
