// The daemon-wide lag of probe starts behind their schedule, as a windowed summary.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "daemon/window/latency_window.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// The lag of probe starts behind their schedule, over the last minute (and at most
// kMaxSamples samples), with exact quantiles 0.5, 0.9 and 0.99 and cumulative sum and count.
// Thread-safe.
class ScheduleLagRecorder {
 public:
  static constexpr Duration kDefaultSpan = std::chrono::seconds(60);
  static constexpr std::size_t kMaxSamples = 100'000;

  explicit ScheduleLagRecorder(Duration span = kDefaultSpan, std::size_t max_samples = kMaxSamples);

  // `lag` = actual start - scheduled start; an early start counts as no lag.
  void Record(Duration lag, SteadyTime now);
  SummarySnapshot Snapshot(SteadyTime now);

 private:
  std::mutex mu_;
  LatencyWindow window_;
  double sum_seconds_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace latencyd
