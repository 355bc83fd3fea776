// Probes skipped because the process ran out of file descriptors: counted for
// latencyd_probes_out_of_descriptors_total and reported in a rate-limited error log line that
// names the limit. Running out of descriptors is latencyd's fault (too many endpoints for
// RLIMIT_NOFILE), never the target's. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "daemon/clock.h"

namespace latencyd {

class DescriptorShortage {
 public:
  // At most one log line per this long, however many probes are skipped.
  static constexpr Duration kLogEvery = std::chrono::seconds(10);

  // Counts one skipped probe; true when a log line is due at `now` (the first one, then at
  // most once per kLogEvery), with *skipped_since_last_log the probes skipped since the last.
  bool Record(SteadyTime now, std::uint64_t* skipped_since_last_log);
  std::uint64_t total() const { return total_.load(std::memory_order_relaxed); }

  // Records a skip at the current time and logs when due, with the descriptor limit.
  void RecordAndLog(const std::string& endpoint);

 private:
  std::atomic<std::uint64_t> total_{0};
  std::mutex mu_;
  bool logged_ = false;         // guarded by mu_
  SteadyTime last_log_{};       // guarded by mu_
  std::uint64_t unlogged_ = 0;  // guarded by mu_
};

}  // namespace latencyd
