// Exact quantiles of sorted samples, defined as numpy's default (linear interpolation between
// order statistics), which also equals Python's statistics.median at q = 0.5.
#pragma once

#include <cstdint>
#include <vector>

namespace latencyd {

// The q-quantile of `sorted_values` (ascending): with h = (n - 1) * q, the value at h,
// interpolated linearly between the order statistics floor(h) and ceil(h). NaN when the input
// is empty or q is outside [0, 1]. Pure; safe to call from any thread.
double ExactQuantile(const std::vector<double>& sorted_values, double q);
double ExactQuantile(const std::vector<std::uint32_t>& sorted_values, double q);

}  // namespace latencyd
