#include "daemon/window/latency_window.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "daemon/window/quantile.h"

namespace latencyd {
namespace {

// Rounds to the nearest microsecond and saturates, so no duration wraps around.
std::uint32_t ToMicros(Duration d) {
  if (d.count() <= 0) return 0;
  const std::int64_t micros = (d.count() + 500) / 1000;
  constexpr std::int64_t kMax = std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(std::min(micros, kMax));
}

// Sorts `values` and takes the qs-quantiles of them in seconds.
void SortedSecondsInto(std::vector<std::uint32_t>& values, const std::vector<double>& qs,
                       std::vector<double>& seconds) {
  std::sort(values.begin(), values.end());
  seconds.clear();
  for (double q : qs) seconds.push_back(ExactQuantile(values, q) / 1e6);
}

}  // namespace

LatencyWindow::LatencyWindow(Duration span, std::size_t max_samples, Ring ring)
    : span_(span), max_samples_(std::max<std::size_t>(max_samples, 1)), ring_policy_(ring) {
  if (ring_policy_ == Ring::kWholeUpfront) ring_.resize(max_samples_);
}

void LatencyWindow::Add(SteadyTime at, Duration total, const probes::PhaseTimings& phases) {
  std::int64_t at_ns = at.time_since_epoch().count();
  if (size_ > 0) at_ns = std::max(at_ns, newest_ns_);
  if (size_ == max_samples_) PopFront();
  if (size_ == ring_.size()) Grow();

  Sample& sample = ring_[(head_ + size_) % ring_.size()];
  sample.at_ns = at_ns;
  sample.micros[static_cast<int>(Series::kTotal)] = ToMicros(total);
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    sample.micros[static_cast<int>(PhaseSeries(phase))] = ToMicros(probes::PhaseAt(phases, phase));
  }
  ++size_;
  newest_ns_ = at_ns;
  ++generation_;
}

void LatencyWindow::Expire(SteadyTime now) {
  const std::int64_t cutoff = (now - span_).time_since_epoch().count();
  bool changed = false;
  while (size_ > 0 && ring_[head_].at_ns <= cutoff) {
    PopFront();
    changed = true;
  }
  if (changed) ++generation_;
}

void LatencyWindow::Resize(Duration span, std::size_t max_samples) {
  span_ = span;
  max_samples_ = std::max<std::size_t>(max_samples, 1);
  while (size_ > max_samples_) PopFront();
  // A whole ring follows max_samples_ both ways; one grown in steps only shrinks to it.
  const bool whole = ring_policy_ == Ring::kWholeUpfront;
  if (whole ? ring_.size() != max_samples_ : ring_.size() > max_samples_) Relayout(max_samples_);
  ++generation_;
}

void LatencyWindow::PopFront() {
  head_ = (head_ + 1) % ring_.size();
  --size_;
  ++generation_;
}

void LatencyWindow::Grow() {
  // 1.5x growth capped at max_samples_: capacity stays within a third of the peak size.
  Relayout(std::min(max_samples_, std::max<std::size_t>(16, ring_.size() + ring_.size() / 2)));
}

void LatencyWindow::Relayout(std::size_t capacity) {
  std::vector<Sample> ring;
  ring.reserve(capacity);
  for (std::size_t i = 0; i < size_; ++i) ring.push_back(At(i));
  ring.resize(capacity);
  ring_ = std::move(ring);
  head_ = 0;
}

bool QuantileBatch::NeedsCompute() const {
  for (const Column& column : columns_) {
    if (!column.from_cache) return true;
  }
  return false;
}

void QuantileBatch::Compute() {
  for (Column& column : columns_) {
    if (!column.from_cache) SortedSecondsInto(column.micros, qs_, column.seconds);
  }
}

void LatencyWindow::PrepareQuantiles(const std::vector<double>& qs, QuantileBatch& batch) const {
  batch.generation_ = generation_;
  batch.qs_ = qs;
  for (int series = 0; series < kSeriesCount; ++series) {
    const CachedQuantiles& cached = cache_[series];
    QuantileBatch::Column& column = batch.columns_[series];
    column.from_cache = cached.generation == generation_ && cached.qs == qs;
    column.micros.clear();
    if (column.from_cache) {
      column.seconds = cached.seconds;
    } else {
      column.micros.reserve(size_);
      for (std::size_t i = 0; i < size_; ++i) column.micros.push_back(At(i).micros[series]);
    }
  }
}

void LatencyWindow::AdoptQuantiles(const QuantileBatch& batch) const {
  if (batch.generation_ != generation_) return;  // answers for samples no longer held
  for (int series = 0; series < kSeriesCount; ++series) {
    const QuantileBatch::Column& column = batch.columns_[series];
    if (column.from_cache) continue;
    // Assigned member by member, so the cached vectors keep their storage.
    CachedQuantiles& cached = cache_[series];
    cached.generation = batch.generation_;
    cached.qs = batch.qs_;
    cached.seconds = column.seconds;
  }
}

std::vector<double> LatencyWindow::Quantiles(Series series, const std::vector<double>& qs) const {
  CachedQuantiles& cached = cache_[static_cast<int>(series)];
  if (cached.generation == generation_ && cached.qs == qs) return cached.seconds;

  // One scratch buffer per thread instead of one sorted copy per endpoint and series: with
  // 10,000 endpoints, keeping sorted copies would double the memory of the windows.
  thread_local std::vector<std::uint32_t> sorted;
  sorted.clear();
  sorted.reserve(size_);
  const int column = static_cast<int>(series);
  for (std::size_t i = 0; i < size_; ++i) sorted.push_back(At(i).micros[column]);
  std::vector<double> seconds;
  SortedSecondsInto(sorted, qs, seconds);
  cached.generation = generation_;
  cached.qs = qs;
  cached.seconds = seconds;
  return seconds;
}

std::vector<std::uint32_t> LatencyWindow::MicrosQuantilesSince(
    Series series, SteadyTime from, const std::vector<double>& qs) const {
  const std::int64_t from_ns = from.time_since_epoch().count();
  thread_local std::vector<std::uint32_t> sorted;
  sorted.clear();
  const int column = static_cast<int>(series);
  // Samples are in time order: walk back from the newest until the first one before `from`.
  for (std::size_t i = size_; i > 0 && At(i - 1).at_ns >= from_ns; --i) {
    sorted.push_back(At(i - 1).micros[column]);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::uint32_t> micros;
  micros.reserve(qs.size());
  for (double q : qs) {
    const double value = sorted.empty() ? 0 : ExactQuantile(sorted, q);
    micros.push_back(static_cast<std::uint32_t>(std::llround(value)));
  }
  return micros;
}

std::vector<LatencyWindow::Sample> LatencyWindow::Samples() const {
  std::vector<Sample> samples;
  samples.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) samples.push_back(At(i));
  return samples;
}

void LatencyWindow::Restore(const std::vector<Sample>& samples) {
  if (ring_policy_ == Ring::kGrownInSteps) ring_.clear();  // a whole ring stays as it is
  head_ = 0;
  size_ = 0;
  std::size_t first = samples.size() > max_samples_ ? samples.size() - max_samples_ : 0;
  for (std::size_t i = first; i < samples.size(); ++i) {
    if (size_ > 0 && samples[i].at_ns < newest_ns_) continue;
    if (size_ == ring_.size()) Grow();
    ring_[(head_ + size_) % ring_.size()] = samples[i];
    ++size_;
    newest_ns_ = samples[i].at_ns;
  }
  ++generation_;
}

}  // namespace latencyd
