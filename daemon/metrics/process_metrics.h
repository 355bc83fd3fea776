// The figures behind the standard process_* metrics, read from /proc/self as the Prometheus
// client libraries do. Plain data; metric_families turns them into metrics.
#pragma once

#include <optional>

namespace latencyd {

// Each figure is absent when its source could not be read (e.g. /proc not mounted), so the
// metric is left out rather than reported as a misleading zero.
struct ProcessStats {
  std::optional<double> cpu_seconds;  // user + system
  std::optional<double> resident_memory_bytes;
  std::optional<double> virtual_memory_bytes;
  std::optional<double> open_fds;
  std::optional<double> max_fds;             // the soft RLIMIT_NOFILE
  std::optional<double> start_time_seconds;  // unix time
};

// Reads the calling process's figures now. Thread-safe; never throws.
ProcessStats ReadProcessStats();

}  // namespace latencyd
