// One endpoint's last 24 hours in fixed 5-minute buckets on the wall-clock grid: per bucket
// the exact median and p99 of its successful probes, its successes, failures and skipped
// probes, and whether the endpoint was judged breached in it. The status page's sparkline,
// availability bar and 24 h uptime, and the JSON `history`, are read from it.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace latencyd {

// A bucket as reported: decoded, with its start time. Quantiles are NaN without a success.
struct HistoryBucket {
  std::int64_t start_unix_seconds = 0;
  double median_seconds = std::numeric_limits<double>::quiet_NaN();
  double p99_seconds = std::numeric_limits<double>::quiet_NaN();
  std::uint32_t successes = 0;
  std::uint32_t failures = 0;
  std::uint32_t skipped = 0;
  bool breached = false;
};

// Quantiles are stored as 16-bit codes: exact to the microsecond below 4.096 ms, and within
// 1/4096 of the exact value (0.025 %) above, up to 134 s (larger values saturate). With 16-bit
// successes and failures a closed bucket takes 8 bytes, plus a bit for "breached"; skipped
// counts, rare in a healthy setup, are kept aside only for buckets that have them. 24 h of
// history cost about 2.4 kB per endpoint.
std::uint16_t EncodeMicros(std::uint32_t micros);
std::uint32_t DecodeMicros(std::uint16_t code);

// The ring of buckets. Time is a parameter (unix seconds), so tests never sleep. The open
// bucket (the one "now" falls in) counts in full-width integers; closing it stores its
// counts in 16 bits, all three scaled down by the same power of two if one would overflow
// (intervals under 5 ms), so ratios such as uptime stay right. Not thread-safe: the owner
// (EndpointState) serializes access.
class History {
 public:
  static constexpr int kBucketCount = 288;  // the open bucket plus 287 closed ones: 24 h
  static constexpr std::int64_t kBucketSeconds = 300;

  // Allocates the whole ring now, zeroed, on the thread that builds the endpoints (see
  // LatencyWindow::Ring: allocated later, it would land between a probe loop's short-lived
  // allocations). Zeroed, not only reserved: jemalloc keeps no header beside a small
  // allocation, so reserved pages stayed untouched until the first bucket closed, and at
  // 10,000 endpoints RSS then stepped up by 24 MiB at the first 5-minute boundary.
  History() : ring_(kClosedCount) {}

  // The index on the grid (unix seconds / 300, floored) of the bucket `unix_seconds` is in.
  static std::int64_t BucketIndex(double unix_seconds);

  // True when `unix_seconds` lies in a bucket after the open one: the caller must then
  // compute the open bucket's quantiles and call Advance. Always true before the first event.
  bool IsPast(double unix_seconds) const;
  // Closes the open bucket with the given quantiles (in microseconds; ignored when it had
  // no success), records empty buckets for any gap, and opens the bucket of `unix_seconds`.
  // A time not after the open bucket changes nothing (a wall clock stepped back keeps
  // counting into the open bucket).
  void Advance(double unix_seconds, std::uint32_t median_micros, std::uint32_t p99_micros);

  // Count into the open bucket; call IsPast/Advance with the event's time first.
  void CountSuccess() { ++open_.successes; }
  void CountFailure() { ++open_.failures; }
  void CountSkipped(std::uint64_t count);
  void MarkBreached() { open_.breached = true; }

  bool started() const { return open_index_ >= 0; }
  std::int64_t open_index() const { return open_index_; }
  bool open_has_success() const { return open_.successes > 0; }

  // Oldest first, ending with the open bucket (whose quantiles the caller supplies, since
  // they come from the window's samples). Empty before the first event.
  std::vector<HistoryBucket> Buckets(std::uint32_t open_median_micros,
                                     std::uint32_t open_p99_micros) const;
  // Successes / (successes + failures) over the closed and open buckets; NaN without any.
  double UptimeRatio() const;

  // The closed buckets in their stored form, for the state file (storage/).
  struct Packed {
    std::uint16_t median_code = 0;
    std::uint16_t p99_code = 0;
    std::uint16_t successes = 0;
    std::uint16_t failures = 0;
    std::uint16_t skipped_and_breached = 0;  // skipped in the low 15 bits, breached in bit 15
  };
  static_assert(sizeof(Packed) == 10, "the state file stores buckets in 10 bytes");
  struct OpenCounts {
    std::uint32_t successes = 0;
    std::uint32_t failures = 0;
    std::uint32_t skipped = 0;
    bool breached = false;
  };
  // Closed buckets oldest first; the last one is the bucket just before the open one.
  std::vector<Packed> ClosedBuckets() const;
  const OpenCounts& open_counts() const { return open_; }
  // Replaces everything (a restore). `closed` oldest first, ending just before `open_index`;
  // excess old buckets are dropped.
  void Restore(std::int64_t open_index, const OpenCounts& open, std::vector<Packed> closed);

  // Heap bytes held, for the memory benchmark.
  std::size_t HeapBytes() const {
    return ring_.capacity() * sizeof(Slot) + skipped_.capacity() * sizeof(SkippedCount);
  }

 private:
  static constexpr int kClosedCount = kBucketCount - 1;
  // A closed bucket as held in memory; "breached" and "skipped" live beside the ring.
  struct Slot {
    std::uint16_t median_code = 0;
    std::uint16_t p99_code = 0;
    std::uint16_t successes = 0;
    std::uint16_t failures = 0;
  };
  static_assert(sizeof(Slot) == 8, "a history bucket should stay 8 bytes");
  struct SkippedCount {
    std::int64_t index;  // the bucket's grid index
    std::uint16_t count;
  };
  void PushClosed(const Packed& bucket, std::int64_t index);
  Packed PackedAt(std::size_t slot, std::int64_t index) const;
  // Slot of the k-th oldest closed bucket.
  std::size_t SlotOf(std::size_t k) const;
  static Packed Pack(const OpenCounts& open, std::uint32_t median_micros, std::uint32_t p99_micros);
  static HistoryBucket Unpack(const Packed& packed, std::int64_t index);

  std::vector<Slot> ring_;  // kClosedCount slots; the first closed_ hold buckets, then it wraps
  std::size_t closed_ = 0;  // closed buckets held, up to kClosedCount
  std::size_t next_ = 0;    // where the next closed bucket goes once the ring is full
  std::uint64_t breached_[(kClosedCount + 63) / 64] = {};  // a bit per ring slot
  std::vector<SkippedCount> skipped_;                      // only buckets with skips, oldest first
  std::int64_t open_index_ = -1;
  OpenCounts open_;
};

}  // namespace latencyd
