// Plain-data pictures of the daemon's state at one instant. /metrics, the status page and the
// JSON API are pure functions of these, so they can be tested without a running daemon.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "daemon/window/history.h"
#include "probes/probe.h"

namespace latencyd {

// One quantile of a window; value is NaN when the window is empty.
struct QuantileValue {
  double quantile = 0;
  double seconds = 0;
};

// A windowed summary: exact quantiles over the window, cumulative sum and count.
struct SummarySnapshot {
  std::vector<QuantileValue> quantiles;
  double sum_seconds = 0;
  std::uint64_t count = 0;
};

struct HistogramSnapshot {
  std::vector<double> upper_bounds;       // seconds, ascending, without +Inf
  std::vector<std::uint64_t> cumulative;  // same length as upper_bounds; counts <= bound
  std::uint64_t count = 0;                // the +Inf bucket
  double sum_seconds = 0;
};

struct EndpointSnapshot {
  std::string name;
  std::string class_name;
  std::map<std::string, std::string> labels;  // the endpoint's own labels
  std::string url;                            // redacted (RedactUrl): safe to show
  double interval_seconds = 0;

  SummarySnapshot duration;  // successful probes' total duration
  HistogramSnapshot histogram;
  std::array<SummarySnapshot, probes::kPhaseCount> phases;  // indexed like probes::PhaseName

  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::array<std::uint64_t, probes::kFailureReasonCount> failures_by_reason{};  // by enum value
  std::uint64_t skipped = 0;

  bool has_result = false;  // false until the first probe finished
  bool last_success = false;
  double last_probe_timestamp_seconds = 0;  // unix time
  int last_http_status = 0;
  std::string last_reason;  // ReasonName of the last failure, "" after a success
  std::string last_error;   // detail of the most recent failure (kept after later successes)

  // What the last completed handshake and response revealed; kept across later probes that
  // made none (reused connections). "" / NaN while unknown.
  std::string http_version;  // "1.1", "2"
  std::string tls_version;   // "TLSv1.3"
  double cert_not_after_unix = std::numeric_limits<double>::quiet_NaN();

  std::string judge = "total";  // which duration the class judges: "total" or "ttfb"
  double threshold_seconds = 0;
  double threshold_quantile = 0.5;
  double judged_seconds = 0;  // that quantile of the judged duration's window (NaN when empty)
  bool breached = false;      // the breach detector's verdict (and at least min_samples judged)
  // Unix time the detector's verdict (breached or not) last changed, or judging began; 0 when
  // unknown. Unlike breached_since_seconds below, it is set while the endpoint is fine too.
  double verdict_since_seconds = 0;
  // Exponentially weighted fraction of recent judged samples above the threshold (the last
  // ~32); NaN before the first judged sample.
  double breach_evidence = std::numeric_limits<double>::quiet_NaN();
  std::size_t window_samples = 0;

  // The release benchmark's median (config `baseline`), NaN when none is configured; a
  // regression is a window median above baseline_seconds x (1 + baseline_tolerance).
  double baseline_seconds = std::numeric_limits<double>::quiet_NaN();
  double baseline_tolerance = 0;

  // When the current condition began (unix seconds, 0: not in it): the first failure of the
  // current run of failures; the first judgement that found the window breached; the latest
  // return to success and within the threshold (or the first result).
  double failing_since_seconds = 0;
  double breached_since_seconds = 0;
  double healthy_since_seconds = 0;

  // The last 24 h, oldest first (filled only when the snapshot is taken with history).
  std::vector<HistoryBucket> history;
  double uptime_ratio_24h = std::numeric_limits<double>::quiet_NaN();
};

// The 24 h history of one endpoint of a snapshot, read on demand: a page of 100 rows needs
// 100 histories, not 10,000.
using HistoryLookup = std::function<std::vector<HistoryBucket>(const EndpointSnapshot&)>;

// What a snapshot includes beyond the current window: /metrics needs no history, the status
// page and the JSON do.
enum class SnapshotDetail { kCurrent, kWithHistory };

struct DaemonSnapshot {
  double generated_at_seconds = 0;              // unix time the snapshot was taken
  std::vector<EndpointSnapshot> endpoints;      // sorted by name
  SummarySnapshot schedule_lag;                 // daemon-wide, over the last minute
  std::uint64_t probes_out_of_descriptors = 0;  // probes skipped: no descriptor for a socket
  double schedule_sustained_ratio = 1;          // due probes started / due, last minute
  bool last_reload_successful = true;
  double last_reload_success_timestamp_seconds = 0;
  std::string version;
  std::string revision;
};

}  // namespace latencyd
