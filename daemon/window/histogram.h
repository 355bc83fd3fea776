// Cumulative latency histograms whose bucket bounds include every class threshold, so SLO
// ratios such as "share of probes under 5 ms" are exact rather than interpolated.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// 100 us ... 10 s on a 1-2.5-5 grid: 0.0001, 0.00025, 0.0005, 0.001, ..., 5, 10 (seconds).
const std::vector<double>& DefaultBucketBounds();

// DefaultBucketBounds merged with the threshold of every class in `config` (exact values),
// ascending and without duplicates. One set for all endpoints, so buckets aggregate across
// endpoints and classes.
std::vector<double> BucketBounds(const config::Config& config);

// Counts observations per bucket (`le` semantics: a value equal to a bound counts in that
// bucket), plus their sum and count. Not thread-safe: the owner serializes access.
class Histogram {
 public:
  // `upper_bounds` ascending, without +Inf.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double seconds);
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  HistogramSnapshot Snapshot() const;
  // The same into `out`, reusing its storage (no allocation once it has held one).
  void SnapshotInto(HistogramSnapshot& out) const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  std::uint64_t count_ = 0;
  double sum_seconds_ = 0;
};

}  // namespace latencyd
