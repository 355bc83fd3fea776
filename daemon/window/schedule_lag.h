// The daemon-wide lag of probe starts behind their schedule, as a windowed summary.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "daemon/window/latency_window.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// The lag of probe starts behind their schedule, over the last minute (and at most
// kMaxSamples samples), with exact quantiles 0.5, 0.9 and 0.99 and cumulative sum and count.
// Thread-safe. Every probe loop records here, so a loop never waits behind a snapshot's sort:
// loops append to a buffer whose lock is held for an append or a swap only, and snapshots
// move the buffer into the window under a second lock that loops never take. (Under one lock,
// a scrape thread at nice +10 preempted mid-sort stalled every loop for tens of ms beside a
// CPU hog: bench_record_wait, bench/README.md.)
class ScheduleLagRecorder {
 public:
  static constexpr Duration kDefaultSpan = std::chrono::seconds(60);
  static constexpr std::size_t kMaxSamples = 100'000;

  explicit ScheduleLagRecorder(Duration span = kDefaultSpan, std::size_t max_samples = kMaxSamples);

  // `lag` = actual start - scheduled start; an early start counts as no lag.
  void Record(Duration lag, SteadyTime now);
  SummarySnapshot Snapshot(SteadyTime now);

 private:
  // Lags recorded since the last snapshot, at most `capacity` (then the newest overwrite the
  // oldest, which the window would drop anyway). Its storage is reserved up front, so the
  // loops allocate nothing here, and pages are touched only as lags arrive.
  class Pending {
   public:
    explicit Pending(std::size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }
    void Push(SteadyTime at, Duration lag);
    // Adds the lags to `window` oldest first, then forgets them.
    void DrainInto(LatencyWindow& window);
    void swap(Pending& other) noexcept;

   private:
    struct Entry {
      SteadyTime at;
      Duration lag;
    };
    std::size_t capacity_;
    std::vector<Entry> entries_;
    std::size_t oldest_ = 0;  // where the ring starts once entries_ is full
  };

  // The loops' side.
  std::mutex pending_mu_;
  Pending pending_;
  double sum_seconds_ = 0;
  std::uint64_t count_ = 0;

  // The snapshots' side.
  std::mutex window_mu_;
  Pending draining_;
  LatencyWindow window_;
};

}  // namespace latencyd
