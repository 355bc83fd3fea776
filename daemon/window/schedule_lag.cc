#include "daemon/window/schedule_lag.h"

#include <algorithm>
#include <vector>

namespace latencyd {

void ScheduleLagRecorder::Pending::Push(SteadyTime at, Duration lag) {
  if (entries_.size() < capacity_) {
    entries_.push_back({at, lag});
    return;
  }
  entries_[oldest_] = {at, lag};
  oldest_ = (oldest_ + 1) % capacity_;
}

void ScheduleLagRecorder::Pending::DrainInto(LatencyWindow& window) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[(oldest_ + i) % entries_.size()];
    window.Add(entry.at, entry.lag, probes::PhaseTimings{});
  }
  entries_.clear();
  oldest_ = 0;
}

void ScheduleLagRecorder::Pending::swap(Pending& other) noexcept {
  std::swap(capacity_, other.capacity_);
  entries_.swap(other.entries_);
  std::swap(oldest_, other.oldest_);
}

ScheduleLagRecorder::ScheduleLagRecorder(Duration span, std::size_t max_samples)
    : pending_(max_samples),
      draining_(max_samples),
      window_(span, max_samples, LatencyWindow::Ring::kGrownInSteps) {}

void ScheduleLagRecorder::Record(Duration lag, SteadyTime now) {
  lag = std::max(lag, Duration::zero());
  std::lock_guard<std::mutex> lock(pending_mu_);
  pending_.Push(now, lag);
  sum_seconds_ += ToSeconds(lag);
  ++count_;
}

SummarySnapshot ScheduleLagRecorder::Snapshot(SteadyTime now) {
  static const std::vector<double> kQuantiles = {0.5, 0.9, 0.99};
  std::lock_guard<std::mutex> window_lock(window_mu_);
  SummarySnapshot summary;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_.swap(draining_);
    summary.sum_seconds = sum_seconds_;
    summary.count = count_;
  }
  draining_.DrainInto(window_);
  window_.Expire(now);
  const std::vector<double> values = window_.Quantiles(Series::kTotal, kQuantiles);
  for (std::size_t i = 0; i < values.size(); ++i) {
    summary.quantiles.push_back({kQuantiles[i], values[i]});
  }
  return summary;
}

}  // namespace latencyd
