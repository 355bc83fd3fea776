#include "daemon/metrics/metric_families.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "daemon/metrics/exposition_stream.h"
#include "daemon/metrics/exposition_text.h"
#include "daemon/metrics/metric_catalog.h"
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

MetricType TypeOf(FamilyType type) {
  switch (type) {
    case FamilyType::kCounter:
      return MetricType::Counter;
    case FamilyType::kGauge:
      return MetricType::Gauge;
    case FamilyType::kSummary:
      return MetricType::Summary;
    case FamilyType::kHistogram:
      break;
  }
  return MetricType::Histogram;
}

MetricFamily NewFamily(Family id) {
  const FamilyInfo& info = CatalogEntry(id);
  MetricFamily family;
  family.name = std::string(info.name);
  family.help = std::string(info.help);
  family.type = TypeOf(info.type);
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
  auto duration = NewFamily(Family::kDuration);
  auto histogram = NewFamily(Family::kDurationHistogram);
  auto phase = NewFamily(Family::kPhase);
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
  auto probes_total = NewFamily(Family::kProbesTotal);
  auto failures = NewFamily(Family::kFailuresTotal);
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
  auto success = NewFamily(Family::kProbeSuccess);
  auto timestamp = NewFamily(Family::kLastProbeTimestamp);
  auto status = NewFamily(Family::kHttpStatusCode);
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
  auto threshold = NewFamily(Family::kThreshold);
  auto judged = NewFamily(Family::kJudgedDuration);
  auto breached = NewFamily(Family::kThresholdBreached);
  auto samples = NewFamily(Family::kWindowSamples);
  auto skipped = NewFamily(Family::kProbesSkipped);
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

// The breach detector's since-time and evidence, only for endpoints it has judged.
void AddVerdictFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto since = NewFamily(Family::kBreachedSince);
  auto evidence = NewFamily(Family::kBreachEvidence);
  for (const EndpointSnapshot& endpoint : snapshot.endpoints) {
    if (endpoint.verdict_since_seconds > 0) {
      since.metric.push_back(Gauge(EndpointLabels(endpoint), endpoint.verdict_since_seconds));
    }
    if (std::isfinite(endpoint.breach_evidence)) {
      evidence.metric.push_back(Gauge(EndpointLabels(endpoint), endpoint.breach_evidence));
    }
  }
  out.push_back(std::move(since));
  out.push_back(std::move(evidence));
}

// What the connections revealed: HTTP and TLS version, certificate expiry. Absent while
// unknown (no response yet; plain http has no TLS series), never invented.
void AddConnectionFamilies(const DaemonSnapshot& snapshot, std::vector<MetricFamily>& out) {
  auto http = NewFamily(Family::kHttpVersionInfo);
  auto tls = NewFamily(Family::kTlsVersionInfo);
  auto expiry = NewFamily(Family::kTlsCertExpiry);
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
  auto baseline = NewFamily(Family::kBaseline);
  auto tolerance = NewFamily(Family::kBaselineTolerance);
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
  auto lag = NewFamily(Family::kScheduleLag);
  lag.metric.push_back(Summary({}, snapshot.schedule_lag));
  out.push_back(std::move(lag));

  auto fds = NewFamily(Family::kProbesOutOfDescriptors);
  fds.metric.push_back(Counter({}, static_cast<double>(snapshot.probes_out_of_descriptors)));
  out.push_back(std::move(fds));

  auto sustained = NewFamily(Family::kScheduleSustained);
  sustained.metric.push_back(Gauge({}, snapshot.schedule_sustained_ratio));
  out.push_back(std::move(sustained));

  auto reload_ok = NewFamily(Family::kReloadSuccessful);
  reload_ok.metric.push_back(Gauge({}, snapshot.last_reload_successful ? 1 : 0));
  out.push_back(std::move(reload_ok));

  auto reload_time = NewFamily(Family::kReloadTimestamp);
  reload_time.metric.push_back(Gauge({}, snapshot.last_reload_success_timestamp_seconds));
  out.push_back(std::move(reload_time));

  auto build = NewFamily(Family::kBuildInfo);
  build.metric.push_back(
      Gauge({{"version", snapshot.version}, {"revision", snapshot.revision}}, 1));
  out.push_back(std::move(build));
}

void AddIfPresent(std::vector<MetricFamily>& out, Family id, const std::optional<double>& value) {
  if (!value) return;
  auto family = NewFamily(id);
  family.metric.push_back(family.type == MetricType::Counter ? Counter({}, *value)
                                                             : Gauge({}, *value));
  out.push_back(std::move(family));
}

}  // namespace

std::vector<MetricFamily> BuildMetricFamilies(const DaemonSnapshot& snapshot) {
  std::vector<MetricFamily> families;
  AddDistributionFamilies(snapshot, families);
  AddOutcomeFamilies(snapshot, families);
  AddLastProbeFamilies(snapshot, families);
  AddJudgementFamilies(snapshot, families);
  AddVerdictFamilies(snapshot, families);
  AddConnectionFamilies(snapshot, families);
  AddBaselineFamilies(snapshot, families);
  AddDaemonFamilies(snapshot, families);
  return families;
}

std::vector<MetricFamily> BuildProcessMetricFamilies(const ProcessStats& stats) {
  std::vector<MetricFamily> families;
  AddIfPresent(families, Family::kProcessCpu, stats.cpu_seconds);
  AddIfPresent(families, Family::kProcessOpenFds, stats.open_fds);
  AddIfPresent(families, Family::kProcessMaxFds, stats.max_fds);
  AddIfPresent(families, Family::kProcessVirtualMemory, stats.virtual_memory_bytes);
  AddIfPresent(families, Family::kProcessResidentMemory, stats.resident_memory_bytes);
  AddIfPresent(families, Family::kProcessStartTime, stats.start_time_seconds);
  return families;
}

std::string RenderMetricsText(const DaemonSnapshot& snapshot) {
  const ProcessStats process = ReadProcessStats();
  return RenderMetricsText(snapshot, &process);
}

std::string RenderMetricsText(const DaemonSnapshot& snapshot, const ProcessStats* process) {
  std::string text;
  ExpositionStream stream(snapshot, process);
  while (stream.Next(text, std::numeric_limits<std::size_t>::max())) {
  }
  return text;
}

}  // namespace latencyd
