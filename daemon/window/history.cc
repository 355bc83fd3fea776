#include "daemon/window/history.h"

#include <algorithm>
#include <cmath>

namespace latencyd {
namespace {

constexpr int kMantissaBits = 12;
constexpr std::uint32_t kMantissaLimit = 1u << kMantissaBits;  // 4096
constexpr int kMaxExponent = 15;
constexpr std::uint16_t kMaxCode = (kMaxExponent << kMantissaBits) | (kMantissaLimit - 1);
constexpr std::uint32_t kMaxPackedCount = 0xFFFF;
constexpr std::uint32_t kMaxPackedSkipped = 0x7FFF;
constexpr std::uint16_t kBreachedBit = 0x8000;

}  // namespace

std::uint16_t EncodeMicros(std::uint32_t micros) {
  if (micros < kMantissaLimit) return static_cast<std::uint16_t>(micros);
  int exponent = 1;
  while ((static_cast<std::uint64_t>(micros) >> exponent) >= kMantissaLimit) ++exponent;
  // Round to nearest; rounding up can carry into the next octave.
  std::uint64_t mantissa =
      (static_cast<std::uint64_t>(micros) + (1ull << (exponent - 1))) >> exponent;
  if (mantissa == kMantissaLimit) {
    mantissa = kMantissaLimit / 2;
    ++exponent;
  }
  if (exponent > kMaxExponent) return kMaxCode;
  return static_cast<std::uint16_t>((exponent << kMantissaBits) | mantissa);
}

std::uint32_t DecodeMicros(std::uint16_t code) {
  const int exponent = code >> kMantissaBits;
  const std::uint32_t mantissa = code & (kMantissaLimit - 1);
  return mantissa << exponent;
}

std::int64_t History::BucketIndex(double unix_seconds) {
  return static_cast<std::int64_t>(std::floor(unix_seconds / kBucketSeconds));
}

bool History::IsPast(double unix_seconds) const {
  return open_index_ < 0 || BucketIndex(unix_seconds) > open_index_;
}

void History::Advance(double unix_seconds, std::uint32_t median_micros, std::uint32_t p99_micros) {
  const std::int64_t index = BucketIndex(unix_seconds);
  if (!IsPast(unix_seconds)) return;
  if (open_index_ >= 0) {
    if (index - open_index_ > kClosedCount) {
      // Everything held would have aged out: start over rather than push 287 empty buckets.
      closed_ = 0;
      skipped_.clear();
      next_ = 0;
    } else {
      PushClosed(Pack(open_, median_micros, p99_micros), open_index_);
      for (std::int64_t gap = open_index_ + 1; gap < index; ++gap) PushClosed(Packed{}, gap);
    }
  }
  open_index_ = index;
  open_ = OpenCounts{};
}

void History::CountSkipped(std::uint64_t count) {
  open_.skipped = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::uint64_t{open_.skipped} + count, 0xFFFFFFFFu));
}

void History::PushClosed(const Packed& bucket, std::int64_t index) {
  std::size_t slot = next_;
  if (closed_ < static_cast<std::size_t>(kClosedCount)) {
    slot = closed_++;
  } else {
    next_ = (next_ + 1) % closed_;
  }
  ring_[slot] = {bucket.median_code, bucket.p99_code, bucket.successes, bucket.failures};
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if (bucket.skipped_and_breached & kBreachedBit) {
    breached_[slot / 64] |= bit;
  } else {
    breached_[slot / 64] &= ~bit;
  }
  // Skips of buckets that left the ring go; they are the oldest, at the front.
  const std::int64_t oldest_kept = index - static_cast<std::int64_t>(closed_) + 1;
  auto aged = std::find_if(skipped_.begin(), skipped_.end(),
                           [oldest_kept](const SkippedCount& s) { return s.index >= oldest_kept; });
  skipped_.erase(skipped_.begin(), aged);
  const std::uint16_t skipped = bucket.skipped_and_breached & kMaxPackedSkipped;
  if (skipped > 0) skipped_.push_back({index, skipped});
}

std::size_t History::SlotOf(std::size_t k) const {
  const std::size_t start = closed_ < static_cast<std::size_t>(kClosedCount) ? 0 : next_;
  return (start + k) % closed_;
}

History::Packed History::PackedAt(std::size_t slot, std::int64_t index) const {
  const Slot& held = ring_[slot];
  Packed packed{held.median_code, held.p99_code, held.successes, held.failures, 0};
  if (breached_[slot / 64] & (std::uint64_t{1} << (slot % 64))) {
    packed.skipped_and_breached |= kBreachedBit;
  }
  for (const SkippedCount& s : skipped_) {
    if (s.index == index) packed.skipped_and_breached |= s.count;
  }
  return packed;
}

History::Packed History::Pack(const OpenCounts& open, std::uint32_t median_micros,
                              std::uint32_t p99_micros) {
  // One shift for all three counts keeps their ratios.
  int shift = 0;
  while ((open.successes >> shift) > kMaxPackedCount ||
         (open.failures >> shift) > kMaxPackedCount ||
         (open.skipped >> shift) > kMaxPackedSkipped) {
    ++shift;
  }
  Packed packed;
  if (open.successes > 0) {
    packed.median_code = EncodeMicros(median_micros);
    packed.p99_code = EncodeMicros(p99_micros);
  }
  packed.successes = static_cast<std::uint16_t>(open.successes >> shift);
  packed.failures = static_cast<std::uint16_t>(open.failures >> shift);
  packed.skipped_and_breached =
      static_cast<std::uint16_t>((open.skipped >> shift) | (open.breached ? kBreachedBit : 0));
  return packed;
}

HistoryBucket History::Unpack(const Packed& packed, std::int64_t index) {
  HistoryBucket bucket;
  bucket.start_unix_seconds = index * kBucketSeconds;
  bucket.successes = packed.successes;
  bucket.failures = packed.failures;
  bucket.skipped = packed.skipped_and_breached & kMaxPackedSkipped;
  bucket.breached = (packed.skipped_and_breached & kBreachedBit) != 0;
  if (packed.successes > 0) {
    bucket.median_seconds = DecodeMicros(packed.median_code) / 1e6;
    bucket.p99_seconds = DecodeMicros(packed.p99_code) / 1e6;
  }
  return bucket;
}

std::vector<History::Packed> History::ClosedBuckets() const {
  std::vector<Packed> closed;
  closed.reserve(closed_);
  const std::int64_t first = open_index_ - static_cast<std::int64_t>(closed_);
  for (std::size_t k = 0; k < closed_; ++k) {
    closed.push_back(PackedAt(SlotOf(k), first + static_cast<std::int64_t>(k)));
  }
  return closed;
}

std::vector<HistoryBucket> History::Buckets(std::uint32_t open_median_micros,
                                            std::uint32_t open_p99_micros) const {
  std::vector<HistoryBucket> buckets;
  if (open_index_ < 0) return buckets;
  const std::vector<Packed> closed = ClosedBuckets();
  buckets.reserve(closed.size() + 1);
  const std::int64_t first = open_index_ - static_cast<std::int64_t>(closed.size());
  for (std::size_t i = 0; i < closed.size(); ++i) {
    buckets.push_back(Unpack(closed[i], first + static_cast<std::int64_t>(i)));
  }
  HistoryBucket open;
  open.start_unix_seconds = open_index_ * kBucketSeconds;
  open.successes = open_.successes;
  open.failures = open_.failures;
  open.skipped = open_.skipped;
  open.breached = open_.breached;
  if (open_.successes > 0) {
    open.median_seconds = open_median_micros / 1e6;
    open.p99_seconds = open_p99_micros / 1e6;
  }
  buckets.push_back(open);
  return buckets;
}

double History::UptimeRatio() const {
  double successes = open_.successes;
  double probes = static_cast<double>(open_.successes) + open_.failures;
  for (std::size_t slot = 0; slot < closed_; ++slot) {
    const Slot& packed = ring_[slot];
    successes += packed.successes;
    probes += packed.successes + packed.failures;
  }
  return probes > 0 ? successes / probes : std::numeric_limits<double>::quiet_NaN();
}

void History::Restore(std::int64_t open_index, const OpenCounts& open, std::vector<Packed> closed) {
  if (closed.size() > static_cast<std::size_t>(kClosedCount)) {
    closed.erase(closed.begin(), closed.end() - kClosedCount);
  }
  closed_ = 0;
  skipped_.clear();
  next_ = 0;
  std::int64_t index = open_index - static_cast<std::int64_t>(closed.size());
  for (const Packed& packed : closed) PushClosed(packed, index++);
  open_index_ = open_index;
  open_ = open;
}

}  // namespace latencyd
