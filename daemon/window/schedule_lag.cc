#include "daemon/window/schedule_lag.h"

#include <algorithm>
#include <vector>

namespace latencyd {

ScheduleLagRecorder::ScheduleLagRecorder(Duration span, std::size_t max_samples)
    : window_(span, max_samples, LatencyWindow::Ring::kGrownInSteps) {}

void ScheduleLagRecorder::Record(Duration lag, SteadyTime now) {
  lag = std::max(lag, Duration::zero());
  std::lock_guard<std::mutex> lock(mu_);
  window_.Add(now, lag, probes::PhaseTimings{});
  sum_seconds_ += ToSeconds(lag);
  ++count_;
}

SummarySnapshot ScheduleLagRecorder::Snapshot(SteadyTime now) {
  static const std::vector<double> kQuantiles = {0.5, 0.9, 0.99};
  std::lock_guard<std::mutex> lock(mu_);
  window_.Expire(now);
  SummarySnapshot summary;
  const std::vector<double> values = window_.Quantiles(Series::kTotal, kQuantiles);
  for (std::size_t i = 0; i < values.size(); ++i) {
    summary.quantiles.push_back({kQuantiles[i], values[i]});
  }
  summary.sum_seconds = sum_seconds_;
  summary.count = count_;
  return summary;
}

}  // namespace latencyd
