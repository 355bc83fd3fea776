// The share of due probes latencyd really ran over the last minute: the gauge
// latencyd_schedule_sustained_ratio, and the warning line when the machine cannot carry the
// configured rate (probes skipped because latencyd was late or out of descriptors, never
// charged to their targets). Thread-safe; time is a parameter.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>

#include "daemon/clock.h"

namespace latencyd {

class SustainedRate {
 public:
  static constexpr int kWindowSeconds = 60;
  // Below this share of the configured rate the daemon logs that it is overloaded.
  static constexpr double kWarnBelow = 0.99;
  // While overloaded, the warning repeats at most this often.
  static constexpr Duration kLogEvery = std::chrono::seconds(60);

  // What the last minute looked like when a log line is due (see Record).
  struct Notice {
    bool overloaded = false;  // false: the rate is sustained again
    double ratio = 1;
    std::uint64_t ran = 0, skipped = 0;  // over the last minute
  };

  // Counts `ran` probes started and `skipped` due probes not started, at `now`. Once per
  // second (the first record of a new second) it judges the last minute and returns a Notice
  // when a line is due: the first time the ratio falls below kWarnBelow, every kLogEvery while
  // it stays there, and once when it is back.
  std::optional<Notice> Record(SteadyTime now, std::uint64_t ran, std::uint64_t skipped);

  // ran / (ran + skipped) over the kWindowSeconds before `now`; 1 when nothing was due.
  double Ratio(SteadyTime now) const;

  // Record, then the log line when one is due.
  void RecordAndLog(SteadyTime now, std::uint64_t ran, std::uint64_t skipped);

 private:
  struct Bucket {
    std::int64_t second = -1;  // which second of the steady clock this bucket counts
    std::uint64_t ran = 0, skipped = 0;
  };
  // Sums the buckets of the kWindowSeconds seconds up to `second`; mu_ held.
  Notice SumLocked(std::int64_t second) const;

  mutable std::mutex mu_;
  std::array<Bucket, kWindowSeconds> buckets_{};  // guarded by mu_; ring by second
  std::int64_t last_judged_ = -1;                 // guarded by mu_
  bool overloaded_ = false;                       // guarded by mu_
  SteadyTime last_log_{};                         // guarded by mu_
};

}  // namespace latencyd
