#include "daemon/window/endpoint_state.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include "daemon/text/redact.h"

namespace latencyd {
namespace {

// The endpoint's exported quantiles plus the judged one, so one Quantiles() call (and one
// cache entry) serves both the summary and the threshold judgement.
std::vector<double> QuantilesToCompute(const config::Endpoint& endpoint,
                                       const config::ClassConfig& klass) {
  std::vector<double> qs = endpoint.quantiles;
  qs.push_back(klass.quantile);
  std::sort(qs.begin(), qs.end());
  qs.erase(std::unique(qs.begin(), qs.end()), qs.end());
  return qs;
}

double ToUnixSeconds(probes::WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

std::size_t WindowCapacity(const config::Endpoint& endpoint) {
  if (endpoint.interval.count() <= 0 || endpoint.window.count() <= 0) return kMaxWindowSamples;
  const auto expected = static_cast<std::size_t>(endpoint.window / endpoint.interval) + 1;
  // Completions jitter by up to a timeout (<= interval), and a late scheduler may bunch
  // starts; an eighth more plus a few absorbs that without holding much spare memory.
  return std::min(kMaxWindowSamples, expected + expected / 8 + 8);
}

EndpointState::EndpointState(const config::Endpoint& endpoint, const config::ClassConfig& klass,
                             std::vector<double> bucket_bounds)
    : name_(endpoint.name),
      window_(endpoint.window, WindowCapacity(endpoint)),
      histogram_(std::move(bucket_bounds)) {
  Configure(endpoint, klass);
}

void EndpointState::Configure(const config::Endpoint& endpoint, const config::ClassConfig& klass) {
  // A new threshold or judged duration asks another question: the evidence no longer applies.
  if (klass.threshold != class_.threshold || klass.judge != class_.judge) detector_.Reset();
  // A new quantile or level means new tuning, which also starts the detector afresh.
  detector_.SetParams(DetectorParamsFor(klass.quantile, klass.detector_level));
  class_name_ = endpoint.class_name;
  labels_ = endpoint.labels;
  url_ = RedactUrl(endpoint.url);
  interval_seconds_ = ToSeconds(endpoint.interval);
  quantiles_ = QuantilesToCompute(endpoint, klass);
  class_ = klass;
  baseline_ = endpoint.baseline;
  baseline_tolerance_ = endpoint.baseline_tolerance;
}

void EndpointState::Reconfigure(const config::Endpoint& endpoint, const config::ClassConfig& klass,
                                std::vector<double> bucket_bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  Configure(endpoint, klass);
  window_.Resize(endpoint.window, WindowCapacity(endpoint));
  if (bucket_bounds != histogram_.upper_bounds()) histogram_ = Histogram(std::move(bucket_bounds));
}

probes::Duration EndpointState::JudgedDuration(const probes::ProbeResult& result,
                                               config::Judge judge) {
  return judge == config::Judge::kTtfb ? result.phases.ttfb : result.total;
}

Series EndpointState::JudgedSeries() const {
  return class_.judge == config::Judge::kTtfb ? Series::kTtfb : Series::kTotal;
}

// Facts of the connection: a probe that made no handshake (a reused connection) or got no
// response keeps the ones seen last.
void EndpointState::RecordFacts(const probes::ProbeResult& result) {
  if (!result.http_version.empty()) http_version_ = result.http_version;
  if (!result.tls_version.empty()) {
    tls_version_ = result.tls_version;
    cert_not_after_unix_ = result.cert_not_after_unix;
  }
}

bool EndpointState::Record(const probes::ProbeResult& result, SteadyTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool changed = !has_result_ || last_success_ != result.ok;
  const double wall = ToUnixSeconds(result.finished_wall);
  AdvanceHistory(now, result.finished_wall);
  if (result.ok) {
    RecordSuccess(result, now);
    history_.CountSuccess();
    if (changed) healthy_since_ = wall;
    failing_since_ = 0;
  } else {
    RecordFailure(result, now);
    history_.CountFailure();
    if (changed) failing_since_ = wall;
  }
  has_result_ = true;
  last_success_ = result.ok;
  last_probe_timestamp_seconds_ = ToUnixSeconds(result.finished_wall);
  last_http_status_ = result.http_status;
  RecordFacts(result);
  return changed;
}

void EndpointState::Judge(bool above, const probes::ProbeResult& result) {
  detector_.Observe(above, ToUnixSeconds(result.finished_wall));
}

void EndpointState::RecordSuccess(const probes::ProbeResult& result, SteadyTime now) {
  window_.Add(now, result.total, result.phases);
  histogram_.Observe(ToSeconds(JudgedDuration(result, class_.judge)));
  duration_sum_seconds_ += ToSeconds(result.total);
  Judge(JudgedDuration(result, class_.judge) > class_.threshold, result);
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    phase_sum_seconds_[phase] += ToSeconds(probes::PhaseAt(result.phases, phase));
  }
  ++successes_;
  last_reason_.clear();
}

void EndpointState::RecordFailure(const probes::ProbeResult& result, SteadyTime now) {
  if (result.reason == probes::FailureReason::kTimeout) {
    // A timeout says the latency exceeded the deadline (the elapsed time; for a ttfb judge the
    // phase in progress took the rest of it): evidence of a breach when that is above the
    // threshold, no evidence either way otherwise.
    if (JudgedDuration(result, class_.judge) > class_.threshold) Judge(true, result);
    if (class_.timeouts_in_quantiles) window_.Add(now, result.total, result.phases);
  }
  // A failure must carry a reason; one without is the engine's bug, counted as "other" so the
  // failure is not lost.
  probes::FailureReason reason = result.reason;
  const int index = static_cast<int>(reason);
  if (reason == probes::FailureReason::kNone || index < 0 || index >= probes::kFailureReasonCount) {
    reason = probes::FailureReason::kOther;
  }
  ++failures_by_reason_[static_cast<int>(reason)];
  ++failures_;
  last_reason_ = std::string(probes::ReasonName(reason));
  last_error_ = result.error.empty() ? last_reason_ : result.error;
}

void EndpointState::RecordSkipped(std::uint64_t count, SteadyTime now, probes::WallTime wall) {
  std::lock_guard<std::mutex> lock(mu_);
  skipped_ += count;
  AdvanceHistory(now, wall);
  history_.CountSkipped(count);
}

bool EndpointState::DetectorBreached() const {
  // Too few samples is too little evidence.
  const BreachDetectorState& verdict = detector_.state();
  return verdict.breached &&
         verdict.samples >= static_cast<std::uint64_t>(std::max(class_.min_samples, 0));
}

void EndpointState::TrackBreach(bool breached, double wall_seconds) {
  if (breached) {
    history_.MarkBreached();
    // Since the detector decided, not since someone looked.
    const double decided = detector_.state().since_unix_seconds;
    if (breached_since_ == 0) breached_since_ = decided > 0 ? decided : wall_seconds;
  } else if (breached_since_ != 0) {
    breached_since_ = 0;
    if (last_success_) healthy_since_ = wall_seconds;
  }
}

void EndpointState::AdvanceHistory(SteadyTime now, probes::WallTime wall) {
  const double wall_seconds = ToUnixSeconds(wall);
  if (!history_.IsPast(wall_seconds)) return;
  std::uint32_t median = 0;
  std::uint32_t p99 = 0;
  if (history_.started()) {
    // The bucket ends with a judgement of the window as it stood, so a breach between two
    // scrapes still marks it.
    TrackBreach(DetectorBreached(), wall_seconds);
    if (history_.open_has_success()) {
      const std::vector<std::uint32_t> micros =
          window_.MicrosQuantilesSince(JudgedSeries(), open_bucket_since_, {0.5, 0.99});
      median = micros[0];
      p99 = micros[1];
    }
  }
  history_.Advance(wall_seconds, median, p99);
  open_bucket_since_ = now;
}

namespace {

// The batch's quantiles of `series` as a summary's (sum and count are set under the lock).
void QuantilesInto(const QuantileBatch& batch, Series series, SummarySnapshot& out) {
  const std::vector<double>& seconds = batch.Seconds(series);
  out.quantiles.clear();
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    out.quantiles.push_back({batch.qs()[i], seconds[i]});
  }
}

}  // namespace

EndpointSnapshot EndpointState::Snapshot(SteadyTime now, probes::WallTime wall,
                                         SnapshotDetail detail) {
  EndpointSnapshot s;
  SnapshotInto(now, s, wall, detail);
  return s;
}

void EndpointState::SnapshotInto(SteadyTime now, EndpointSnapshot& s, probes::WallTime wall,
                                 SnapshotDetail detail) {
  // One batch per thread: its buffers keep their capacity from one endpoint to the next.
  thread_local QuantileBatch batch;
  Series judged = Series::kTotal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    PictureLocked(now, s, wall, detail);
    window_.PrepareQuantiles(quantiles_, batch);
    judged = JudgedSeries();
  }
  // The sorts run without the lock, so a probe loop recording this endpoint never waits for
  // them (see QuantileBatch).
  if (batch.NeedsCompute()) {
    batch.Compute();
    std::lock_guard<std::mutex> lock(mu_);
    window_.AdoptQuantiles(batch);
  }
  QuantilesInto(batch, Series::kTotal, s.duration);
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    QuantilesInto(batch, PhaseSeries(phase), s.phases[phase]);
  }
  const SummarySnapshot& judged_summary =
      judged == Series::kTotal ? s.duration : s.phases[static_cast<int>(judged) - 1];
  s.judged_seconds = std::numeric_limits<double>::quiet_NaN();
  for (const QuantileValue& q : judged_summary.quantiles) {
    if (q.quantile == s.threshold_quantile) s.judged_seconds = q.seconds;
  }
}

void EndpointState::PictureLocked(SteadyTime now, EndpointSnapshot& s, probes::WallTime wall,
                                  SnapshotDetail detail) {
  // Close a finished bucket before expiry can take its oldest samples.
  AdvanceHistory(now, wall);
  window_.Expire(now);

  s.name = name_;
  s.class_name = class_name_;
  s.labels = labels_;
  s.url = url_;
  s.interval_seconds = interval_seconds_;
  s.duration.sum_seconds = duration_sum_seconds_;
  s.duration.count = successes_;
  histogram_.SnapshotInto(s.histogram);
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    s.phases[phase].sum_seconds = phase_sum_seconds_[phase];
    s.phases[phase].count = successes_;
  }

  s.successes = successes_;
  s.failures = failures_;
  std::copy(std::begin(failures_by_reason_), std::end(failures_by_reason_),
            s.failures_by_reason.begin());
  s.skipped = skipped_;

  s.has_result = has_result_;
  s.last_success = last_success_;
  s.last_probe_timestamp_seconds = last_probe_timestamp_seconds_;
  s.last_http_status = last_http_status_;
  s.last_reason = last_reason_;
  s.last_error = last_error_;

  s.threshold_seconds = ToSeconds(class_.threshold);
  s.threshold_quantile = class_.quantile;
  s.judge = config::JudgeName(class_.judge);
  s.http_version = http_version_;
  s.tls_version = tls_version_;
  s.cert_not_after_unix = cert_not_after_unix_;
  s.window_samples = window_.size();
  s.baseline_seconds = std::numeric_limits<double>::quiet_NaN();
  s.baseline_tolerance = 0;
  if (baseline_) {
    s.baseline_seconds = ToSeconds(*baseline_);
    s.baseline_tolerance = baseline_tolerance_;
  }
  const BreachDetectorState& verdict = detector_.state();
  s.breached = DetectorBreached();
  s.verdict_since_seconds = verdict.since_unix_seconds;
  s.breach_evidence =
      verdict.samples > 0 ? verdict.above_fraction : std::numeric_limits<double>::quiet_NaN();
  TrackBreach(s.breached, ToUnixSeconds(wall));
  s.failing_since_seconds = failing_since_;
  s.breached_since_seconds = breached_since_;
  s.healthy_since_seconds = healthy_since_;
  s.uptime_ratio_24h = history_.UptimeRatio();
  s.history.clear();
  if (detail == SnapshotDetail::kWithHistory) s.history = CurrentHistory();
}

std::vector<HistoryBucket> EndpointState::CurrentHistory() const {
  std::vector<std::uint32_t> open{0, 0};
  if (history_.open_has_success()) {
    open = window_.MicrosQuantilesSince(JudgedSeries(), open_bucket_since_, {0.5, 0.99});
  }
  return history_.Buckets(open[0], open[1]);
}

std::vector<HistoryBucket> EndpointState::HistoryBuckets(SteadyTime now, probes::WallTime wall) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceHistory(now, wall);
  return CurrentHistory();
}

std::size_t EndpointState::HeapBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return window_.HeapBytes() + history_.HeapBytes();
}

EndpointState::Persisted EndpointState::Persist() const {
  std::lock_guard<std::mutex> lock(mu_);
  Persisted persisted;
  persisted.samples = window_.Samples();
  persisted.open_bucket_index = history_.open_index();
  persisted.open_counts = history_.open_counts();
  persisted.closed_buckets = history_.ClosedBuckets();
  persisted.open_bucket_since_ns = open_bucket_since_.time_since_epoch().count();
  persisted.last = {has_result_,   last_success_, last_http_status_, last_probe_timestamp_seconds_,
                    last_reason_,  last_error_,   failing_since_,    breached_since_,
                    healthy_since_};
  persisted.detector = SavedDetector{DetectorQuestion(class_), detector_.state()};
  return persisted;
}

void EndpointState::Restore(const Persisted& persisted) {
  std::lock_guard<std::mutex> lock(mu_);
  window_.Restore(persisted.samples);
  if (persisted.open_bucket_index >= 0) {
    history_.Restore(persisted.open_bucket_index, persisted.open_counts, persisted.closed_buckets);
    open_bucket_since_ = SteadyTime(Duration(persisted.open_bucket_since_ns));
  }
  const LastResult& last = persisted.last;
  has_result_ = last.has_result;
  last_success_ = last.last_success;
  last_http_status_ = last.http_status;
  last_probe_timestamp_seconds_ = last.timestamp_seconds;
  last_reason_ = last.reason;
  last_error_ = last.error;
  failing_since_ = last.failing_since;
  breached_since_ = last.breached_since;
  healthy_since_ = last.healthy_since;
  if (persisted.detector && persisted.detector->question == DetectorQuestion(class_)) {
    detector_.Restore(persisted.detector->state);
  }
}

BreachDetectorState EndpointState::DetectorState() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detector_.state();
}

std::uint64_t DetectorQuestion(const config::ClassConfig& klass) {
  // FNV-1a over the fields' bytes: stable across builds and runs, unlike std::hash.
  std::uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&hash](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  };
  const std::int64_t threshold_ns = klass.threshold.count();
  const auto judge = static_cast<std::int32_t>(klass.judge);
  mix(&threshold_ns, sizeof threshold_ns);
  mix(&judge, sizeof judge);
  mix(&klass.quantile, sizeof klass.quantile);
  mix(&klass.detector_level, sizeof klass.detector_level);
  return hash;
}

}  // namespace latencyd
