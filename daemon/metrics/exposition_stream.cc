#include "daemon/metrics/exposition_stream.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "daemon/metrics/exposition_format.h"
#include "daemon/metrics/metric_catalog.h"
#include "daemon/text/escape.h"
#include "probes/probe.h"

namespace latencyd {
namespace {

// Labels latencyd sets itself; an endpoint label of the same name would duplicate one (the
// same list as BuildMetricFamilies drops).
bool IsReservedLabel(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "endpoint", "class", "quantile", "le", "phase", "result", "reason", "judge", "version"};
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

std::string_view TypeName(FamilyType type) {
  switch (type) {
    case FamilyType::kCounter:
      return "counter";
    case FamilyType::kGauge:
      return "gauge";
    case FamilyType::kSummary:
      return "summary";
    case FamilyType::kHistogram:
      break;
  }
  return "histogram";
}

constexpr std::size_t Index(Family family) { return static_cast<std::size_t>(family); }

// Families up to kBaselineTolerance have a series (or several) per endpoint.
bool IsPerEndpoint(std::size_t family) { return family <= Index(Family::kBaselineTolerance); }

const std::optional<double>* ProcessFigure(const ProcessStats& stats, std::size_t family) {
  switch (static_cast<Family>(family)) {
    case Family::kProcessCpu:
      return &stats.cpu_seconds;
    case Family::kProcessOpenFds:
      return &stats.open_fds;
    case Family::kProcessMaxFds:
      return &stats.max_fds;
    case Family::kProcessVirtualMemory:
      return &stats.virtual_memory_bytes;
    case Family::kProcessResidentMemory:
      return &stats.resident_memory_bytes;
    case Family::kProcessStartTime:
      return &stats.start_time_seconds;
    default:
      return nullptr;
  }
}

}  // namespace

ExpositionStream::ExpositionStream(const DaemonSnapshot& snapshot, const ProcessStats* process)
    : snapshot_(snapshot), process_(process) {}

bool ExpositionStream::Next(std::string& out, std::size_t min_bytes) {
  out_ = &out;
  const std::size_t start = out.size();
  while (family_ < kMetricCatalog.size() && out.size() - start < min_bytes) {
    if (!Present(family_)) {
      ++family_;
      continue;
    }
    if (!header_written_) {
      WriteHeader(family_);
      header_written_ = true;
    }
    if (IsPerEndpoint(family_)) {
      if (endpoint_ < snapshot_.endpoints.size()) {
        WriteEndpoint(family_, snapshot_.endpoints[endpoint_++]);
        continue;
      }
    } else {
      WriteDaemonWide(family_);
    }
    ++family_;
    endpoint_ = 0;
    header_written_ = false;
  }
  return out.size() > start;
}

bool ExpositionStream::Present(std::size_t family) const {
  const std::optional<double>* figure =
      process_ == nullptr ? nullptr : ProcessFigure(*process_, family);
  if (family >= Index(Family::kProcessCpu)) return figure != nullptr && figure->has_value();
  return true;
}

void ExpositionStream::WriteHeader(std::size_t family) {
  const FamilyInfo& info = kMetricCatalog[family];
  name_ = info.name;
  std::string& out = *out_;
  out.append("# HELP ").append(info.name).push_back(' ');
  AppendHelpEscaped(out, info.help);
  out.append("\n# TYPE ").append(info.name).push_back(' ');
  out.append(TypeName(info.type)).push_back('\n');
}

void ExpositionStream::SetEndpointLabels(const EndpointSnapshot& endpoint) {
  labels_.clear();
  labels_.emplace_back("endpoint", endpoint.name);
  labels_.emplace_back("class", endpoint.class_name);
  for (const auto& [name, value] : endpoint.labels) {
    if (!IsReservedLabel(name)) labels_.emplace_back(name, value);
  }
}

void ExpositionStream::WriteEndpoint(std::size_t family, const EndpointSnapshot& e) {
  SetEndpointLabels(e);
  char number[kExpositionNumberChars];
  switch (static_cast<Family>(family)) {
    case Family::kDuration:
      return Summary(e.duration);
    case Family::kDurationHistogram:
      return Histogram(e.histogram);
    case Family::kPhase:
      for (int i = 0; i < probes::kPhaseCount; ++i) {
        labels_.emplace_back("phase", probes::PhaseName(i));
        Summary(e.phases[i]);
        labels_.pop_back();
      }
      return;
    case Family::kProbesTotal:
      Head("", "result", "success");
      Value(static_cast<double>(e.successes));
      Head("", "result", "failure");
      return Value(static_cast<double>(e.failures));
    case Family::kFailuresTotal:
      for (probes::FailureReason reason : probes::AllFailureReasons()) {
        Head("", "reason", probes::ReasonName(reason));
        Value(static_cast<double>(e.failures_by_reason[static_cast<std::size_t>(reason)]));
      }
      return;
    case Family::kProbeSuccess:
      if (e.has_result) Single(e.last_success ? 1 : 0);
      return;
    case Family::kLastProbeTimestamp:
      if (e.has_result) Single(e.last_probe_timestamp_seconds);
      return;
    case Family::kHttpStatusCode:
      if (e.has_result) Single(e.last_http_status);
      return;
    case Family::kThreshold:
      Head("", "quantile", FormatExpositionNumber(e.threshold_quantile, number));
      return Value(e.threshold_seconds);
    case Family::kJudgedDuration:
      labels_.emplace_back("judge", e.judge);
      Head("", "quantile", FormatExpositionNumber(e.threshold_quantile, number));
      labels_.pop_back();
      return Value(e.judged_seconds);
    case Family::kThresholdBreached:
      return Single(e.breached ? 1 : 0);
    case Family::kWindowSamples:
      return Single(static_cast<double>(e.window_samples));
    case Family::kProbesSkipped:
      return Single(static_cast<double>(e.skipped));
    case Family::kBreachedSince:
      if (e.verdict_since_seconds > 0) Single(e.verdict_since_seconds);
      return;
    case Family::kBreachEvidence:
      if (std::isfinite(e.breach_evidence)) Single(e.breach_evidence);
      return;
    case Family::kHttpVersionInfo:
      if (!e.http_version.empty()) {
        Head("", "version", e.http_version);
        Value(1);
      }
      return;
    case Family::kTlsVersionInfo:
      if (!e.tls_version.empty()) {
        Head("", "version", e.tls_version);
        Value(1);
      }
      return;
    case Family::kTlsCertExpiry:
      if (!std::isnan(e.cert_not_after_unix)) Single(e.cert_not_after_unix);
      return;
    case Family::kBaseline:
      if (!std::isnan(e.baseline_seconds)) Single(e.baseline_seconds);
      return;
    case Family::kBaselineTolerance:
      if (!std::isnan(e.baseline_seconds)) Single(e.baseline_tolerance);
      return;
    default:
      return;
  }
}

void ExpositionStream::WriteDaemonWide(std::size_t family) {
  labels_.clear();
  switch (static_cast<Family>(family)) {
    case Family::kScheduleLag:
      return Summary(snapshot_.schedule_lag);
    case Family::kProbesOutOfDescriptors:
      return Single(static_cast<double>(snapshot_.probes_out_of_descriptors));
    case Family::kScheduleSustained:
      return Single(snapshot_.schedule_sustained_ratio);
    case Family::kReloadSuccessful:
      return Single(snapshot_.last_reload_successful ? 1 : 0);
    case Family::kReloadTimestamp:
      return Single(snapshot_.last_reload_success_timestamp_seconds);
    case Family::kBuildInfo:
      labels_.emplace_back("version", snapshot_.version);
      labels_.emplace_back("revision", snapshot_.revision);
      return Single(1);
    default:
      if (const auto* figure = ProcessFigure(*process_, family)) Single(**figure);
      return;
  }
}

void ExpositionStream::Head(std::string_view suffix, std::string_view extra_name,
                            std::string_view extra_value) {
  std::string& out = *out_;
  out.append(name_).append(suffix);
  if (!labels_.empty() || !extra_name.empty()) {
    char separator = '{';
    auto label = [&](std::string_view name, std::string_view value) {
      out.push_back(separator);
      out.append(name).append("=\"");
      AppendLabelValueEscaped(out, value);
      out.push_back('"');
      separator = ',';
    };
    for (const auto& [name, value] : labels_) label(name, value);
    if (!extra_name.empty()) label(extra_name, extra_value);
    out.push_back('}');
  }
  out.push_back(' ');
}

void ExpositionStream::Value(double value) {
  char number[kExpositionNumberChars];
  out_->append(FormatExpositionNumber(value, number)).push_back('\n');
}

void ExpositionStream::Count(std::uint64_t value) {
  char number[kExpositionNumberChars];
  out_->append(FormatExpositionInteger(value, number)).push_back('\n');
}

void ExpositionStream::Single(double value) {
  Head("");
  Value(value);
}

void ExpositionStream::Summary(const SummarySnapshot& summary) {
  Head("_count");
  Count(summary.count);
  Head("_sum");
  Value(summary.sum_seconds);
  char quantile[kExpositionNumberChars];
  for (const QuantileValue& q : summary.quantiles) {
    Head("", "quantile", FormatExpositionNumber(q.quantile, quantile));
    Value(q.seconds);
  }
}

void ExpositionStream::Histogram(const HistogramSnapshot& histogram) {
  Head("_count");
  Count(histogram.count);
  Head("_sum");
  Value(histogram.sum_seconds);
  const std::size_t n = std::min(histogram.upper_bounds.size(), histogram.cumulative.size());
  double last = -std::numeric_limits<double>::infinity();
  char bound[kExpositionNumberChars];
  for (std::size_t i = 0; i < n; ++i) {
    Head("_bucket", "le", FormatExpositionNumber(histogram.upper_bounds[i], bound));
    Count(histogram.cumulative[i]);
    last = histogram.upper_bounds[i];
  }
  if (last != std::numeric_limits<double>::infinity()) {
    Head("_bucket", "le", "+Inf");
    Count(histogram.count);
  }
}

}  // namespace latencyd
