// The raw successful-probe samples of one endpoint over a sliding window, and exact quantiles
// of their total duration or of any phase.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "daemon/clock.h"
#include "probes/probe.h"

namespace latencyd {

// Which duration of a sample a quantile is taken over.
enum class Series { kTotal = 0, kDns, kConnect, kTls, kTtfb, kTransfer };
inline constexpr int kSeriesCount = 1 + probes::kPhaseCount;
// The series of probes::PhaseName(phase_index).
inline Series PhaseSeries(int phase_index) { return static_cast<Series>(phase_index + 1); }

// Quantiles of every series, computed away from the lock of the window's owner, in three
// steps: LatencyWindow::PrepareQuantiles copies what the answer needs under the lock (a cached
// answer, or the series' values), Compute works on the copy alone, and
// LatencyWindow::AdoptQuantiles (under the lock again) caches the answers while the window is
// unchanged. Why: scrapes run on low-priority threads; when they sorted under an endpoint's
// mutex, a busy CPU that preempted one mid-sort made a probe loop recording that endpoint
// wait tens of milliseconds; with the lock held for a copy instead of six sorts, such waits
// over 1 ms fell from 81-130 to 2-6 per 30 s (bench_record_wait; bench/README.md). Reused
// across windows, a batch allocates nothing once it has held the largest.
class QuantileBatch {
 public:
  // Whether any series had no cached answer, so Compute has work (and AdoptQuantiles news).
  bool NeedsCompute() const;
  // Sorts the copied values of every series that needed it and takes their quantiles.
  void Compute();
  // The quantiles of `series` in the order of qs(), in seconds (NaN each when it was empty).
  const std::vector<double>& Seconds(Series series) const {
    return columns_[static_cast<int>(series)].seconds;
  }
  const std::vector<double>& qs() const { return qs_; }

 private:
  friend class LatencyWindow;
  struct Column {
    bool from_cache = false;            // `seconds` is the window's cached answer
    std::vector<std::uint32_t> micros;  // otherwise the values to sort, then sorted
    std::vector<double> seconds;
  };
  std::uint64_t generation_ = 0;  // of the window when prepared
  std::vector<double> qs_;
  Column columns_[kSeriesCount];
};

// Keeps every sample of the last `span` (at most `max_samples`, dropping the oldest first) as
// a 32-byte record, so 10,000 endpoints x 300 samples take about 100 MB. Durations are held
// in whole microseconds, the resolution libcurl reports phases in, saturating at ~71 minutes.
// Quantiles are computed on demand and reused until the window changes, so a scrape of an
// unchanged window sorts nothing. Not thread-safe: the owner serializes access.
class LatencyWindow {
 public:
  struct Sample {
    std::int64_t at_ns;                  // steady clock, since its epoch
    std::uint32_t micros[kSeriesCount];  // indexed by Series
  };
  static_assert(sizeof(Sample) == 32, "a window sample should stay 32 bytes");

  // How the ring reaches max_samples: whole when constructed (the endpoints' windows), or in
  // 1.5x steps from the first sample (one window whose cap is far above what it usually holds,
  // like the daemon-wide schedule lag's).
  enum class Ring { kWholeUpfront, kGrownInSteps };

  LatencyWindow(Duration span, std::size_t max_samples, Ring ring = Ring::kWholeUpfront);

  // Adds a sample taken at `at`. Samples are expected in time order; a sample older than the
  // newest is stored as if taken at the newest time, so expiry stays a pop from the front.
  void Add(SteadyTime at, Duration total, const probes::PhaseTimings& phases);
  // Drops samples taken at or before `now - span`, i.e. keeps the half-open (now - span, now].
  void Expire(SteadyTime now);
  // Adopts a new span and capacity (a reload), keeping the newest samples that still fit.
  void Resize(Duration span, std::size_t max_samples);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Duration span() const { return span_; }
  std::size_t max_samples() const { return max_samples_; }

  // The qs-quantiles (each in [0, 1]) of `series` over the samples held now, in seconds, in
  // the order of `qs`; NaN for every q when the window is empty. Call Expire first.
  std::vector<double> Quantiles(Series series, const std::vector<double>& qs) const;
  // The first and last step of a QuantileBatch (see there), both under the owner's lock: the
  // cached answer or a copy of the values of every series for `qs`; then the batch's answers
  // cached, unless the window changed in between.
  void PrepareQuantiles(const std::vector<double>& qs, QuantileBatch& batch) const;
  void AdoptQuantiles(const QuantileBatch& batch) const;
  // The same over the samples taken at or after `from` only (a history bucket's share of the
  // window), in whole microseconds; never cached. Zero for every q when there are none.
  std::vector<std::uint32_t> MicrosQuantilesSince(Series series, SteadyTime from,
                                                  const std::vector<double>& qs) const;

  // The samples oldest first, and their replacement (a restore from the state file): samples
  // out of time order or beyond max_samples are dropped, oldest first.
  std::vector<Sample> Samples() const;
  void Restore(const std::vector<Sample>& samples);
  // Heap bytes held, for the memory benchmark.
  std::size_t HeapBytes() const { return ring_.capacity() * sizeof(Sample); }

 private:
  // The last answer per series, valid while generation_ and the requested qs are unchanged.
  struct CachedQuantiles {
    std::uint64_t generation = 0;
    std::vector<double> qs;
    std::vector<double> seconds;
  };

  const Sample& At(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  void PopFront();
  void Grow();  // kGrownInSteps, when the ring is full
  void Relayout(std::size_t capacity);

  Duration span_;
  std::size_t max_samples_;
  // kWholeUpfront: max_samples_ long from construction (until a reload changes max_samples_),
  // allocated on the thread that builds the endpoints. Why: grown in steps, or allocated at
  // the first sample, the rings were allocated by the probe loops between their short-lived
  // per-probe allocations (handles, connections), so the pages a burst of those freed could not
  // be given back whole (with glibc's malloc: bench/README.md); now the loops hold only
  // short-lived data. A window that is probed fills up within its span anyway, so the
  // whole ring is the memory it would reach, and memory follows the configuration from the
  // start.
  Ring ring_policy_;
  std::vector<Sample> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::int64_t newest_ns_ = 0;
  // Bumped on every change; starts at 1 so a default CachedQuantiles is stale.
  std::uint64_t generation_ = 1;
  mutable CachedQuantiles cache_[kSeriesCount];
};

}  // namespace latencyd
