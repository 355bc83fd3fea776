// A thread-safe recorder that turns one endpoint's probe outcomes into snapshots: window,
// counters, histogram, threshold judgement.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/window/breach_detector.h"
#include "daemon/window/histogram.h"
#include "daemon/window/history.h"
#include "daemon/window/latency_window.h"
#include "daemon/window/snapshot.h"
#include "probes/probe.h"

namespace latencyd {

// No window holds more samples than this, whatever its span and interval (3.2 MB at most).
inline constexpr std::size_t kMaxWindowSamples = 100'000;

// How many samples a window of `endpoint` may hold: what window / interval yields, plus slack
// for jitter in probe completion times, capped at kMaxWindowSamples.
std::size_t WindowCapacity(const config::Endpoint& endpoint);

// Identifies what a class's breach detector decides (threshold, judged duration, quantile,
// level): equal for two classes exactly when evidence gathered under one answers the other.
std::uint64_t DetectorQuestion(const config::ClassConfig& klass);

// Everything latencyd knows about one endpoint. Thread-safe: probe completions, skips and
// snapshots may come from different threads; one mutex guards all state.
class EndpointState {
 public:
  // `bucket_bounds` as from BucketBounds(config), shared by all endpoints.
  EndpointState(const config::Endpoint& endpoint, const config::ClassConfig& klass,
                std::vector<double> bucket_bounds);
  EndpointState(const EndpointState&) = delete;
  EndpointState& operator=(const EndpointState&) = delete;

  // Records a finished probe; `now` is when it finished and becomes the sample's time.
  // Returns true when this is the first result or success turned into failure or back, the
  // events worth a log line (a log line per probe would drown everything else).
  // The result's finished_wall places it in the history.
  bool Record(const probes::ProbeResult& result, SteadyTime now);
  // Counts a probe that was not started because the previous one was still running.
  void RecordSkipped(std::uint64_t count = 1, SteadyTime now = std::chrono::steady_clock::now(),
                     probes::WallTime wall = std::chrono::system_clock::now());

  // Closes history buckets `wall` has passed, expires old samples, then pictures the
  // endpoint, judging the window against the class threshold (a breach marks the history
  // bucket). Never lowers a cumulative sum or count.
  EndpointSnapshot Snapshot(SteadyTime now,
                            probes::WallTime wall = std::chrono::system_clock::now(),
                            SnapshotDetail detail = SnapshotDetail::kCurrent);
  // The same into `out`, reusing its strings' and vectors' storage, so that a scrape that
  // refreshes a kept snapshot allocates nothing once the snapshot has held this endpoint.
  void SnapshotInto(SteadyTime now, EndpointSnapshot& out,
                    probes::WallTime wall = std::chrono::system_clock::now(),
                    SnapshotDetail detail = SnapshotDetail::kCurrent);

  // Applies a reloaded config whose probe settings did not change: keeps the samples and
  // cumulative counters, adopts the new class, labels, quantiles, window span and capacity.
  // The histogram restarts only if the bucket bounds changed (old counts cannot be rebucketed).
  // The breach detector keeps its state unless the threshold, judged quantile or detector
  // level changed (its evidence was gathered against the old question).
  void Reconfigure(const config::Endpoint& endpoint, const config::ClassConfig& klass,
                   std::vector<double> bucket_bounds);

  // The breach detector's state (tests; Persist saves it with the rest).
  BreachDetectorState DetectorState() const;

  // Immutable after construction, so readable without the lock.
  const std::string& name() const { return name_; }

  // The one duration of a sample that its class judges (`judge`: the total, or ttfb): what
  // the threshold, the histogram and any breach detector are fed with.
  static probes::Duration JudgedDuration(const probes::ProbeResult& result, config::Judge judge);

  // The history (closing buckets `wall` has passed), oldest first, the open bucket last.
  std::vector<HistoryBucket> HistoryBuckets(SteadyTime now, probes::WallTime wall);

  // Heap bytes of the window and the history, for the memory benchmark.
  std::size_t HeapBytes() const;

  // The last probe's outcome and since when the endpoint is in its condition, so a restarted
  // daemon shows the same state (and "since") before its first probe.
  struct LastResult {
    bool has_result = false;
    bool last_success = false;
    int http_status = 0;
    double timestamp_seconds = 0;
    std::string reason;
    std::string error;
    double failing_since = 0;
    double breached_since = 0;
    double healthy_since = 0;
  };
  // The breach detector's evidence with the question it was gathered for (DetectorQuestion
  // of the class), so a restart under another threshold, judged duration, quantile or level
  // starts afresh instead of answering the new question with old evidence.
  struct SavedDetector {
    std::uint64_t question = 0;
    BreachDetectorState state;
    bool operator==(const SavedDetector& other) const {
      return question == other.question && state == other.state;
    }
  };
  // What survives a restart (storage/): the window's samples, the history, the last result
  // and the breach detector's state.
  struct Persisted {
    std::vector<LatencyWindow::Sample> samples;  // steady times as recorded
    std::int64_t open_bucket_index = -1;
    History::OpenCounts open_counts;
    std::vector<History::Packed> closed_buckets;  // oldest first
    std::int64_t open_bucket_since_ns = 0;        // steady time the open bucket began
    LastResult last;
    std::optional<SavedDetector> detector;  // absent in files from before it was saved
  };
  Persisted Persist() const;
  // Adopts restored state; samples must already be on this process's steady clock and
  // within the window (the storage code translates and filters them). The detector's state is
  // adopted only when it was gathered for this endpoint's current question.
  void Restore(const Persisted& persisted);

 private:
  Series JudgedSeries() const;  // the window series of the judged duration
  void RecordFacts(const probes::ProbeResult& result);
  void Configure(const config::Endpoint& endpoint, const config::ClassConfig& klass);
  void RecordSuccess(const probes::ProbeResult& result, SteadyTime now);
  void RecordFailure(const probes::ProbeResult& result, SteadyTime now);
  void Judge(bool above, const probes::ProbeResult& result);
  // Everything of a snapshot but the quantiles (SnapshotInto computes those without the lock).
  void PictureLocked(SteadyTime now, EndpointSnapshot& s, probes::WallTime wall,
                     SnapshotDetail detail);
  // Closes the open history bucket when `wall` lies past it (judging the window first).
  void AdvanceHistory(SteadyTime now, probes::WallTime wall);
  std::vector<HistoryBucket> CurrentHistory() const;
  bool DetectorBreached() const;  // the detector's verdict, once min_samples were judged
  void TrackBreach(bool breached, double wall_seconds);

  const std::string name_;

  mutable std::mutex mu_;
  std::string class_name_;
  std::map<std::string, std::string> labels_;
  std::vector<double> quantiles_;  // the endpoint's quantiles plus the class quantile
  config::ClassConfig class_;
  std::optional<Duration> baseline_;
  double baseline_tolerance_ = 0;

  std::string url_;  // redacted
  double interval_seconds_ = 0;

  LatencyWindow window_;
  BreachDetector detector_;
  Histogram histogram_;
  History history_;
  SteadyTime open_bucket_since_{};  // the window's samples from here on are the open bucket's
  double failing_since_ = 0;
  double breached_since_ = 0;
  double healthy_since_ = 0;
  double duration_sum_seconds_ = 0;
  double phase_sum_seconds_[probes::kPhaseCount] = {};
  std::uint64_t successes_ = 0;
  std::uint64_t failures_by_reason_[probes::kFailureReasonCount] = {};
  std::uint64_t failures_ = 0;
  std::uint64_t skipped_ = 0;

  bool has_result_ = false;
  bool last_success_ = false;
  double last_probe_timestamp_seconds_ = 0;
  int last_http_status_ = 0;
  std::string last_reason_;
  std::string last_error_;
  std::string http_version_;
  std::string tls_version_;
  double cert_not_after_unix_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace latencyd
