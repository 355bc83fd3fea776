#include "daemon/web/endpoints_json.h"

#include <cmath>
#include <cstdio>

#include "daemon/text/escape.h"
#include "daemon/web/endpoint_health.h"
#include "probes/probe.h"

namespace latencyd {
namespace {

// `value` rounded to the microsecond, written without exponent: "0.001235", "1732550000.5",
// "300". Every number of the document is a duration, timestamp or ratio, and finer digits are
// noise from binary fractions, not measurement. Integer arithmetic also makes it fast enough
// for 10,000 endpoints x 288 history buckets.
std::string MicrosNumber(double value) {
  if (!std::isfinite(value)) return "null";
  // Beyond 2^53 / 1e6 (about 285 years in seconds) the product is no longer exact.
  if (std::abs(value) > 9e9) return JsonNumber(value);
  const long long micros = std::llround(value * 1e6);
  const unsigned long long magnitude = micros < 0 ? -micros : micros;
  std::string out = micros < 0 ? "-" : "";
  out += std::to_string(magnitude / 1'000'000);
  unsigned long long fraction = magnitude % 1'000'000;
  if (fraction == 0) return out;
  char digits[8];
  int width = 6;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --width;
  }
  std::snprintf(digits, sizeof digits, "%0*llu", width, fraction);
  return out + "." + digits;
}

class JsonWriter {
 public:
  // Emits the separator before a member; `key` is written as a JSON string.
  JsonWriter& Key(std::string_view key) {
    Separate();
    out_ += JsonString(key);
    out_ += ':';
    fresh_ = true;
    return *this;
  }
  JsonWriter& Raw(std::string_view value) {
    Separate();
    out_ += value;
    return *this;
  }
  JsonWriter& String(std::string_view value) { return Raw(JsonString(value)); }
  JsonWriter& StringOrNull(std::string_view value) {
    return value.empty() ? Raw("null") : String(value);
  }
  JsonWriter& Number(double value) { return Raw(MicrosNumber(value)); }
  JsonWriter& NumberOrNull(double value, bool present) {
    return present ? Number(value) : Raw("null");
  }
  JsonWriter& Count(std::uint64_t value) { return Raw(std::to_string(value)); }
  JsonWriter& Bool(bool value) { return Raw(value ? "true" : "false"); }
  JsonWriter& Open(char bracket) {
    Raw(std::string_view(&bracket, 1));
    fresh_ = true;
    return *this;
  }
  JsonWriter& Close(char bracket) {
    out_ += bracket;
    fresh_ = false;
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  void Separate() {
    if (!fresh_) out_ += ',';
    fresh_ = false;
  }
  std::string out_;
  bool fresh_ = true;  // true right after an opening bracket or a key: no comma needed
};

std::string QuantileKey(double quantile) {
  const std::string number = JsonNumber(quantile);
  return number == "null" ? "NaN" : number;
}

void WriteQuantiles(JsonWriter& json, const SummarySnapshot& summary) {
  json.Open('{');
  for (const QuantileValue& q : summary.quantiles)
    json.Key(QuantileKey(q.quantile)).Number(q.seconds);
  json.Close('}');
}

void WriteFailures(JsonWriter& json, const EndpointSnapshot& e) {
  json.Open('{');
  // Index 0 is FailureReason::kNone, which counts nothing.
  for (int reason = 1; reason < probes::kFailureReasonCount; ++reason) {
    json.Key(probes::ReasonName(static_cast<probes::FailureReason>(reason)))
        .Count(e.failures_by_reason[reason]);
  }
  json.Close('}');
}

void WritePhases(JsonWriter& json, const EndpointSnapshot& e) {
  json.Open('{');
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    json.Key(probes::PhaseName(phase));
    WriteQuantiles(json, e.phases[phase]);
  }
  json.Close('}');
}

// One array per bucket, in the order of kHistoryColumns: at 10,000 endpoints x 288 buckets,
// repeating the keys in every bucket would triple the document.
void WriteHistory(JsonWriter& json, const std::vector<HistoryBucket>& history) {
  json.Open('[');
  for (const HistoryBucket& b : history) {
    json.Open('[').Count(static_cast<std::uint64_t>(b.start_unix_seconds));
    json.Number(b.median_seconds).Number(b.p99_seconds);
    json.Count(b.successes).Count(b.failures).Count(b.skipped).Bool(b.breached);
    json.Close(']');
  }
  json.Close(']');
}

void WriteEndpoint(JsonWriter& json, const EndpointSnapshot& e, bool with_history,
                   const HistoryLookup& history) {
  const EndpointHealth health = HealthOf(e);
  json.Open('{');
  json.Key("name").String(e.name).Key("class").String(e.class_name).Key("labels").Open('{');
  for (const auto& [key, value] : e.labels) json.Key(key).String(value);
  json.Close('}');
  json.Key("url").String(e.url);
  json.Key("interval_seconds").Number(e.interval_seconds);
  json.Key("state").String(HealthName(health));
  const double since = StateSince(e);
  json.Key("state_since").NumberOrNull(since, since > 0);
  json.Key("quantiles");
  WriteQuantiles(json, e.duration);
  json.Key("threshold_seconds").Number(e.threshold_seconds);
  json.Key("threshold_quantile").Number(e.threshold_quantile);
  json.Key("judge").String(e.judge);
  json.Key("judged_seconds").Number(e.judged_seconds);
  json.Key("over_ratio")
      .NumberOrNull(e.judged_seconds / e.threshold_seconds, e.threshold_seconds > 0);
  json.Key("uptime_ratio_24h").Number(e.uptime_ratio_24h);
  json.Key("breached").Bool(e.breached);
  // Since when the breach detector holds its verdict (unix time; null before judging began),
  // and its evidence: the recent fraction of judged samples above the threshold.
  json.Key("breached_since");
  e.verdict_since_seconds > 0 ? json.Number(e.verdict_since_seconds) : json.Raw("null");
  json.Key("breach_evidence").Number(e.breach_evidence);
  json.Key("window_samples").Count(e.window_samples);
  json.Key("duration_sum_seconds").Number(e.duration.sum_seconds);
  json.Key("duration_count").Count(e.duration.count);
  json.Key("successes").Count(e.successes).Key("failures").Count(e.failures);
  json.Key("failures_by_reason");
  WriteFailures(json, e);
  json.Key("skipped").Count(e.skipped);
  // Fields about the last probe are null until one has finished.
  json.Key("last_success");
  e.has_result ? json.Bool(e.last_success) : json.Raw("null");
  json.Key("last_reason").StringOrNull(e.last_reason);
  json.Key("last_http_status");
  e.last_http_status > 0 ? json.Count(e.last_http_status) : json.Raw("null");
  json.Key("last_error").StringOrNull(e.last_error);
  json.Key("last_probe_timestamp_seconds");
  e.has_result ? json.Number(e.last_probe_timestamp_seconds) : json.Raw("null");
  json.Key("http_version").StringOrNull(e.http_version);
  json.Key("tls_version").StringOrNull(e.tls_version);
  json.Key("tls_earliest_cert_expiry_timestamp_seconds");
  std::isnan(e.cert_not_after_unix) ? json.Raw("null") : json.Number(e.cert_not_after_unix);
  json.Key("phases");
  WritePhases(json, e);
  if (with_history) {
    json.Key("history");
    WriteHistory(json, history ? history(e) : e.history);
  }
  json.Close('}');
}

}  // namespace

std::string RenderEndpointsJson(const DaemonSnapshot& snapshot, const EndpointFilter& filter,
                                const HistoryLookup& history) {
  JsonWriter json;
  json.Open('{');
  json.Key("generated_at")
      .NumberOrNull(snapshot.generated_at_seconds, snapshot.generated_at_seconds > 0);
  json.Key("history_columns").Open('[');
  for (const char* column :
       {"start", "median_seconds", "p99_seconds", "successes", "failures", "skipped", "breached"}) {
    json.String(column);
  }
  json.Close(']');
  json.Key("history_bucket_seconds").Count(History::kBucketSeconds);
  json.Key("endpoints").Open('[');
  for (const EndpointSnapshot& e : snapshot.endpoints) {
    if (filter.Matches(e)) WriteEndpoint(json, e, filter.history, history);
  }
  json.Close(']');
  json.Key("build").Open('{');
  json.Key("version").String(snapshot.version).Key("revision").String(snapshot.revision);
  json.Close('}');
  json.Key("reload").Open('{').Key("last_successful").Bool(snapshot.last_reload_successful);
  json.Key("last_success_timestamp_seconds");
  snapshot.last_reload_success_timestamp_seconds > 0
      ? json.Number(snapshot.last_reload_success_timestamp_seconds)
      : json.Raw("null");
  json.Close('}');
  json.Key("schedule_lag_seconds");
  WriteQuantiles(json, snapshot.schedule_lag);
  json.Close('}');
  return json.Take() + "\n";
}

}  // namespace latencyd
