#include "daemon/window/quantile.h"

#include <cmath>
#include <cstddef>
#include <limits>

namespace latencyd {
namespace {

template <typename T>
double QuantileOf(const std::vector<T>& sorted_values, double q) {
  // `!(q >= 0)` also rejects NaN.
  if (sorted_values.empty() || !(q >= 0.0) || q > 1.0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double h = static_cast<double>(sorted_values.size() - 1) * q;
  const double floor_h = std::floor(h);
  const auto lo = static_cast<std::size_t>(floor_h);
  const std::size_t hi = lo + 1 < sorted_values.size() ? lo + 1 : lo;
  const double a = static_cast<double>(sorted_values[lo]);
  const double b = static_cast<double>(sorted_values[hi]);
  const double t = h - floor_h;
  // numpy's _lerp: interpolating from the nearer end keeps the result within [a, b] and exact
  // at t = 0 and t = 1 despite rounding.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t);
}

}  // namespace

double ExactQuantile(const std::vector<double>& sorted_values, double q) {
  return QuantileOf(sorted_values, q);
}

double ExactQuantile(const std::vector<std::uint32_t>& sorted_values, double q) {
  return QuantileOf(sorted_values, q);
}

}  // namespace latencyd
