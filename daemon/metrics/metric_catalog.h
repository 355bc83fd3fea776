// Name, help text and type of every metric family latencyd exports, in the order /metrics
// writes them: the one place these strings live, shared by the MetricFamily builder and the
// streaming exposition writer. Pure data.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace latencyd {

enum class FamilyType { kCounter, kGauge, kSummary, kHistogram };

struct FamilyInfo {
  std::string_view name;
  std::string_view help;
  FamilyType type;
};

// Indexes into kMetricCatalog, in exposition order.
enum class Family : std::size_t {
  kDuration,
  kDurationHistogram,
  kPhase,
  kProbesTotal,
  kFailuresTotal,
  kProbeSuccess,
  kLastProbeTimestamp,
  kHttpStatusCode,
  kThreshold,
  kJudgedDuration,
  kThresholdBreached,
  kWindowSamples,
  kProbesSkipped,
  kBreachedSince,
  kBreachEvidence,
  kHttpVersionInfo,
  kTlsVersionInfo,
  kTlsCertExpiry,
  kBaseline,
  kBaselineTolerance,
  kScheduleLag,
  kProbesOutOfDescriptors,
  kScheduleSustained,
  kReloadSuccessful,
  kReloadTimestamp,
  kBuildInfo,
  kProcessCpu,
  kProcessOpenFds,
  kProcessMaxFds,
  kProcessVirtualMemory,
  kProcessResidentMemory,
  kProcessStartTime,
  kCount,
};

inline constexpr std::array<FamilyInfo, static_cast<std::size_t>(Family::kCount)> kMetricCatalog = {
    {
        {"latencyd_probe_duration_seconds",
         "Exact quantiles of the total duration of successful probes over the sliding window; _sum "
         "and _count are cumulative.",
         FamilyType::kSummary},
        {"latencyd_probe_duration_histogram_seconds",
         "The judged duration of successful probes (the total, or ttfb for classes with judge: "
         "ttfb); every class threshold is a bucket boundary.",
         FamilyType::kHistogram},
        {"latencyd_probe_phase_seconds",
         "Exact quantiles of each phase of successful probes over the sliding window; _sum and "
         "_count are cumulative.",
         FamilyType::kSummary},
        {"latencyd_probes_total", "Probes run, by result.", FamilyType::kCounter},
        {"latencyd_probe_failures_total", "Failed probes, by reason.", FamilyType::kCounter},
        {"latencyd_probe_success", "1 if the last probe succeeded, 0 otherwise.",
         FamilyType::kGauge},
        {"latencyd_last_probe_timestamp_seconds", "Unix time when the last probe finished.",
         FamilyType::kGauge},
        {"latencyd_http_status_code", "HTTP status code of the last response, 0 if none arrived.",
         FamilyType::kGauge},
        {"latencyd_threshold_seconds",
         "Alert threshold of the endpoint's class, labelled with the window quantile it judges.",
         FamilyType::kGauge},
        {"latencyd_judged_duration_seconds",
         "The quantile the class judges of the duration it judges (label judge: total or ttfb) "
         "over the sliding window; compared with latencyd_threshold_seconds.",
         FamilyType::kGauge},
        {"latencyd_threshold_breached",
         "1 while the breach detector finds the judged quantile above the threshold (given "
         "enough samples), 0 otherwise.",
         FamilyType::kGauge},
        {"latencyd_window_samples",
         "Samples currently in the sliding window (successful probes and, unless "
         "timeouts_in_quantiles is false, timed-out ones).",
         FamilyType::kGauge},
        {"latencyd_probes_skipped_total",
         "Probes not run for a cause of latencyd's own, never charged to the target: the previous "
         "probe of the endpoint was still running, latencyd fell a whole interval behind its "
         "schedule, a probe started with less than half its timeout left before its deadline, or "
         "the process was out of file descriptors.",
         FamilyType::kCounter},
        {"latencyd_threshold_breached_since_timestamp_seconds",
         "Unix time latencyd_threshold_breached last changed (or judging began).",
         FamilyType::kGauge},
        {"latencyd_breach_evidence_ratio",
         "Exponentially weighted share of the recent judged samples (about the last 32) above the "
         "threshold: the breach detector's evidence.",
         FamilyType::kGauge},
        {"latencyd_probe_http_version_info",
         "1, labelled with the HTTP version of the last response (1.1, 2).", FamilyType::kGauge},
        {"latencyd_tls_version_info",
         "1, labelled with the TLS version the last handshake negotiated.", FamilyType::kGauge},
        {"latencyd_tls_earliest_cert_expiry_timestamp_seconds",
         "Unix time of the earliest notAfter among the certificates the server presented in the "
         "last completed handshake.",
         FamilyType::kGauge},
        {"latencyd_baseline_seconds", "The endpoint's baseline median from the release benchmark.",
         FamilyType::kGauge},
        {"latencyd_baseline_tolerance_ratio",
         "How much slower than the baseline the window median may be: a regression is a median "
         "above baseline x (1 + tolerance).",
         FamilyType::kGauge},
        {"latencyd_schedule_lag_seconds",
         "How late probes start against their schedule, over the last minute; _sum and _count are "
         "cumulative.",
         FamilyType::kSummary},
        {"latencyd_probes_out_of_descriptors_total",
         "Probes skipped because latencyd had no file descriptor left for their socket "
         "(RLIMIT_NOFILE); also counted in latencyd_probes_skipped_total.",
         FamilyType::kCounter},
        {"latencyd_schedule_sustained_ratio",
         "Share of due probes latencyd started over the last minute (1: the configured rate is "
         "sustained; below 1: the rest were skipped).",
         FamilyType::kGauge},
        {"latencyd_config_last_reload_successful",
         "1 if the last configuration reload succeeded, 0 otherwise.", FamilyType::kGauge},
        {"latencyd_config_last_reload_success_timestamp_seconds",
         "Unix time of the last successful configuration reload.", FamilyType::kGauge},
        {"latencyd_build_info",
         "A metric with a constant 1 value labelled by the version and revision latencyd was built "
         "from.",
         FamilyType::kGauge},
        // Names and help texts of the Prometheus client libraries' process collectors.
        {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
         FamilyType::kCounter},
        {"process_open_fds", "Number of open file descriptors.", FamilyType::kGauge},
        {"process_max_fds", "Maximum number of open file descriptors.", FamilyType::kGauge},
        {"process_virtual_memory_bytes", "Virtual memory size in bytes.", FamilyType::kGauge},
        {"process_resident_memory_bytes", "Resident memory size in bytes.", FamilyType::kGauge},
        {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
         FamilyType::kGauge},
    }};

inline const FamilyInfo& CatalogEntry(Family family) {
  return kMetricCatalog[static_cast<std::size_t>(family)];
}

}  // namespace latencyd
