#include "daemon/window/histogram.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "daemon/window/latency_window.h"

namespace latencyd {

const std::vector<double>& DefaultBucketBounds() {
  // Written out rather than computed, so each bound is the double nearest its decimal and
  // prints as that decimal in the `le` label.
  static const std::vector<double> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10,
  };
  return kBounds;
}

std::vector<double> BucketBounds(const config::Config& config) {
  std::vector<double> bounds = DefaultBucketBounds();
  for (const auto& [name, klass] : config.classes) {
    if (klass.threshold.count() > 0) bounds.push_back(ToSeconds(klass.threshold));
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::Observe(double seconds) {
  if (std::isnan(seconds)) return;  // would otherwise land in the first bucket
  // The first bound >= the value: equal values land in that bound's bucket.
  const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), seconds);
  ++counts_[static_cast<std::size_t>(it - upper_bounds_.begin())];
  ++count_;
  sum_seconds_ += seconds;
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot snapshot;
  SnapshotInto(snapshot);
  return snapshot;
}

void Histogram::SnapshotInto(HistogramSnapshot& out) const {
  out.upper_bounds.assign(upper_bounds_.begin(), upper_bounds_.end());
  out.cumulative.clear();
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += counts_[i];
    out.cumulative.push_back(running);
  }
  out.count = count_;
  out.sum_seconds = sum_seconds_;
}

}  // namespace latencyd
