#include "daemon/metrics/metric_families.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "daemon/metrics/exposition_text.h"
#include "probes/probe.h"

namespace latencyd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Labels latencyd sets itself; an endpoint label of the same name would duplicate one.
bool IsReservedLabel(const std::string& name) {
  static const char* const kReserved[] = {"endpoint", "class",  "quantile", "le",     "phase",
                                          "result",   "reason", "judge",    "version"};
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

Labels EndpointLabels(const EndpointSnapshot& endpoint) {
  Labels labels = {{"endpoint", endpoint.name}, {"class", endpoint.class_name}};
  for (const auto& [name, value] : endpoint.labels) {
    if (!IsReservedLabel(name)) labels.push_back({name, value});
  }
  return labels;
}

Labels With(Labels labels, std::string name, std::string value) {
  labels.push_back({std::move(name), std::move(value)});
  return labels;
}

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

ClientMetric Gauge(Labels labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

ClientMetric Counter(Labels labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  return metric;
}

ClientMetric Summary(Labels labels, const SummarySnapshot& summary) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.summary.sample_count = summary.count;
  metric.summary.sample_sum = summary.sum_seconds;
  for (const QuantileValue& q : summary.quantiles) {
    metric.summary.quantile.push_back({q.quantile, q.seconds});
  }
  return metric;
}

ClientMetric Histogram(Labels labels, const HistogramSnapshot& histogram) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.histogram.sample_count = histogram.count;
  metric.histogram.sample_sum = histogram.sum_seconds;
  const std::size_t n = std::min(histogram.upper_bounds.size(), histogram.cumulative.size());
  for (std::size_t i = 0; i < n; ++i) {
    metric.histogram.bucket.push_back({histogram.cumulative[i], histogram.upper_bounds[i]});
  }
  return metric;
}

// Families drawn from the per-endpoint windows: summaries and the histogram.
void AddDistributionFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto duration = Family("latencyd_probe_duration_seconds",
                         "Exact quantiles of the total duration of successful probes over the "
                         "sliding window; _sum and _count are cumulative.",
                         MetricType::Summary);
  auto histogram = Family("latencyd_probe_duration_histogram_seconds",
                          "The judged duration of successful probes (the total, or ttfb for "
                          "classes with judge: ttfb); every class threshold is a bucket boundary.",
                          MetricType::Histogram);
  auto phase = Family("latencyd_probe_phase_seconds",
                      "Exact quantiles of each phase of successful probes over the sliding "
                      "window; _sum and _count are cumulative.",
                      MetricType::Summary);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    const Labels labels = EndpointLabels(endpoint);
    duration.metric.push_back(Summary(labels, endpoint.duration));
    histogram.metric.push_back(Histogram(labels, endpoint.histogram));
    for (int i = 0; i < probes::kPhaseCount; ++i) {
      phase.metric.push_back(
          Summary(With(labels, "phase", std::string(probes::PhaseName(i))), endpoint.phases[i]));
    }
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(histogram));
  out.push_back(std::move(phase));
}

// Counters of probe outcomes; every reason is exported from the start so rate() works from
// the first scrape on.
void AddOutcomeFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto probes_total =
      Family("latencyd_probes_total", "Probes run, by result.", MetricType::Counter);
  auto failures =
      Family("latencyd_probe_failures_total", "Failed probes, by reason.", MetricType::Counter);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    const Labels labels = EndpointLabels(endpoint);
    probes_total.metric.push_back(
        Counter(With(labels, "result", "success"), static_cast<double>(endpoint.successes)));
    probes_total.metric.push_back(
        Counter(With(labels, "result", "failure"), static_cast<double>(endpoint.failures)));
    for (probes::FailureReason reason : probes::AllFailureReasons()) {
      const auto count = endpoint.failures_by_reason[static_cast<std::size_t>(reason)];
      failures.metric.push_back(Counter(With(labels, "reason", std::string(ReasonName(reason))),
                                        static_cast<double>(count)));
    }
  }
  out.push_back(std::move(probes_total));
  out.push_back(std::move(failures));
}

// Gauges of the last probe; absent until an endpoint's first probe finished, since any value
// before that would be invented.
void AddLastProbeFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto success = Family("latencyd_probe_success", "1 if the last probe succeeded, 0 otherwise.",
                        MetricType::Gauge);
  auto timestamp = Family("latencyd_last_probe_timestamp_seconds",
                          "Unix time when the last probe finished.", MetricType::Gauge);
  auto status =
      Family("latencyd_http_status_code",
             "HTTP status code of the last response, 0 if none arrived.", MetricType::Gauge);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    if (!endpoint.has_result) continue;
    const Labels labels = EndpointLabels(endpoint);
    success.metric.push_back(Gauge(labels, endpoint.last_success ? 1 : 0));
    timestamp.metric.push_back(Gauge(labels, endpoint.last_probe_timestamp_seconds));
    status.metric.push_back(Gauge(labels, endpoint.last_http_status));
  }
  out.push_back(std::move(success));
  out.push_back(std::move(timestamp));
  out.push_back(std::move(status));
}

void AddJudgementFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto threshold = Family("latencyd_threshold_seconds",
                          "Alert threshold of the endpoint's class, labelled with the window "
                          "quantile it judges.",
                          MetricType::Gauge);
  auto judged = Family("latencyd_judged_duration_seconds",
                       "The quantile the class judges of the duration it judges (label judge: "
                       "total or ttfb) over the sliding window; compared with "
                       "latencyd_threshold_seconds.",
                       MetricType::Gauge);
  auto breached = Family("latencyd_threshold_breached",
                         "1 while the judged quantile of the window exceeds the threshold "
                         "(given enough samples), 0 otherwise.",
                         MetricType::Gauge);
  auto samples =
      Family("latencyd_window_samples", "Successful probe samples currently in the sliding window.",
             MetricType::Gauge);
  auto skipped = Family("latencyd_probes_skipped_total",
                        "Probes not run for a cause of latencyd's own, never charged to the "
                        "target: the previous probe of the endpoint was still running, latencyd "
                        "fell a whole interval behind its schedule, a probe started with less "
                        "than half its timeout left before its deadline, or the process was out "
                        "of file descriptors.",
                        MetricType::Counter);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    const Labels labels = EndpointLabels(endpoint);
    threshold.metric.push_back(
        Gauge(With(labels, "quantile", FormatExpositionDouble(endpoint.threshold_quantile)),
              endpoint.threshold_seconds));
    judged.metric.push_back(Gauge(With(With(labels, "judge", endpoint.judge), "quantile",
                                       FormatExpositionDouble(endpoint.threshold_quantile)),
                                  endpoint.judged_seconds));
    breached.metric.push_back(Gauge(labels, endpoint.breached ? 1 : 0));
    samples.metric.push_back(Gauge(labels, static_cast<double>(endpoint.window_samples)));
    skipped.metric.push_back(Counter(labels, static_cast<double>(endpoint.skipped)));
  }
  out.push_back(std::move(threshold));
  out.push_back(std::move(judged));
  out.push_back(std::move(breached));
  out.push_back(std::move(samples));
  out.push_back(std::move(skipped));
}

// What the connections revealed: HTTP and TLS version, certificate expiry. Absent while
// unknown (no response yet; plain http has no TLS series), never invented.
void AddConnectionFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto http =
      Family("latencyd_probe_http_version_info",
             "1, labelled with the HTTP version of the last response (1.1, 2).", MetricType::Gauge);
  auto tls =
      Family("latencyd_tls_version_info",
             "1, labelled with the TLS version the last handshake negotiated.", MetricType::Gauge);
  auto expiry = Family("latencyd_tls_earliest_cert_expiry_timestamp_seconds",
                       "Unix time of the earliest notAfter among the certificates the server "
                       "presented in the last completed handshake.",
                       MetricType::Gauge);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    const Labels labels = EndpointLabels(endpoint);
    if (!endpoint.http_version.empty()) {
      http.metric.push_back(Gauge(With(labels, "version", endpoint.http_version), 1));
    }
    if (!endpoint.tls_version.empty()) {
      tls.metric.push_back(Gauge(With(labels, "version", endpoint.tls_version), 1));
    }
    if (!std::isnan(endpoint.cert_not_after_unix)) {
      expiry.metric.push_back(Gauge(labels, endpoint.cert_not_after_unix));
    }
  }
  out.push_back(std::move(http));
  out.push_back(std::move(tls));
  out.push_back(std::move(expiry));
}

// Only endpoints with a configured baseline have these series, so a rule comparing with them
// selects exactly the endpoints that asked for it.
void AddBaselineFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto baseline =
      Family("latencyd_baseline_seconds",
             "The endpoint's baseline median from the release benchmark.", MetricType::Gauge);
  auto tolerance = Family("latencyd_baseline_tolerance_ratio",
                          "How much slower than the baseline the window median may be: a "
                          "regression is a median above baseline x (1 + tolerance).",
                          MetricType::Gauge);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    if (std::isnan(endpoint.baseline_seconds)) continue;
    const Labels labels = EndpointLabels(endpoint);
    baseline.metric.push_back(Gauge(labels, endpoint.baseline_seconds));
    tolerance.metric.push_back(Gauge(labels, endpoint.baseline_tolerance));
  }
  out.push_back(std::move(baseline));
  out.push_back(std::move(tolerance));
}

void AddDaemonFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto lag = Family("latencyd_schedule_lag_seconds",
                    "How late probes start against their schedule, over the last minute; _sum "
                    "and _count are cumulative.",
                    MetricType::Summary);
  lag.metric.push_back(Summary({}, snapshot.schedule_lag));
  out.push_back(std::move(lag));

  auto fds = Family("latencyd_probes_out_of_descriptors_total",
                    "Probes skipped because latencyd had no file descriptor left for their "
                    "socket (RLIMIT_NOFILE); also counted in latencyd_probes_skipped_total.",
                    MetricType::Counter);
  fds.metric.push_back(Counter({}, static_cast<double>(snapshot.probes_out_of_descriptors)));
  out.push_back(std::move(fds));

  auto reload_ok =
      Family("latencyd_config_last_reload_successful",
             "1 if the last configuration reload succeeded, 0 otherwise.", MetricType::Gauge);
  reload_ok.metric.push_back(Gauge({}, snapshot.last_reload_successful ? 1 : 0));
  out.push_back(std::move(reload_ok));

  auto reload_time =
      Family("latencyd_config_last_reload_success_timestamp_seconds",
             "Unix time of the last successful configuration reload.", MetricType::Gauge);
  reload_time.metric.push_back(Gauge({}, snapshot.last_reload_success_timestamp_seconds));
  out.push_back(std::move(reload_time));

  auto build = Family("latencyd_build_info",
                      "A metric with a constant 1 value labelled by the version and revision "
                      "latencyd was built from.",
                      MetricType::Gauge);
  build.metric.push_back(
      Gauge({{"version", snapshot.version}, {"revision", snapshot.revision}}, 1));
  out.push_back(std::move(build));
}

void AddIfPresent(std::vector<MetricFamily>& out, const char* name, const char* help,
                  MetricType type, const std::optional<double>& value) {
  if (!value) return;
  auto family = Family(name, help, type);
  family.metric.push_back(type == MetricType::Counter ? Counter({}, *value) : Gauge({}, *value));
  out.push_back(std::move(family));
}

}  // namespace

std::vector<MetricFamily> BuildMetricFamilies(const DaemonSnapshot& snapshot) {
  std::vector<MetricFamily> families;
  AddDistributionFamilies(snapshot, families);
  AddOutcomeFamilies(snapshot, families);
  AddLastProbeFamilies(snapshot, families);
  AddJudgementFamilies(snapshot, families);
  AddConnectionFamilies(snapshot, families);
  AddBaselineFamilies(snapshot, families);
  AddDaemonFamilies(snapshot, families);
  return families;
}

std::vector<MetricFamily> BuildProcessMetricFamilies(const ProcessStats& stats) {
  // Names and help texts of the Prometheus client libraries' process collectors.
  std::vector<MetricFamily> families;
  AddIfPresent(families, "process_cpu_seconds_total",
               "Total user and system CPU time spent in seconds.", MetricType::Counter,
               stats.cpu_seconds);
  AddIfPresent(families, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
               stats.open_fds);
  AddIfPresent(families, "process_max_fds", "Maximum number of open file descriptors.",
               MetricType::Gauge, stats.max_fds);
  AddIfPresent(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
               MetricType::Gauge, stats.virtual_memory_bytes);
  AddIfPresent(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
               MetricType::Gauge, stats.resident_memory_bytes);
  AddIfPresent(families, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
               stats.start_time_seconds);
  return families;
}

std::string RenderMetricsText(const DaemonSnapshot& snapshot) {
  const ProcessStats process = ReadProcessStats();
  return RenderMetricsText(snapshot, &process);
}

std::string RenderMetricsText(const DaemonSnapshot& snapshot, const ProcessStats* process) {
  std::vector<MetricFamily> families = BuildMetricFamilies(snapshot);
  if (process != nullptr) {
    for (MetricFamily& family : BuildProcessMetricFamilies(*process)) {
      families.push_back(std::move(family));
    }
  }
  return SerializeExpositionText(families);
}

}  // namespace latencyd
