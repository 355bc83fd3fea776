// The idle easy handles of one probe loop. Each idle transfer stays configured for the probe
// it ran last, so the next run of that probe skips libcurl's reset and its ~20 options.
//
// The pool follows the loop's recent need, not its history (Trim): a loop with more endpoints
// than the pool holds hands its handles out in turn (any handle serves any probe there), so
// without a trim it kept as many as the most probes it ever had in flight at once, up to
// `capacity` (about 12 MiB per loop), after a single burst.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

#include "probes/probe.h"
#include "probes/transfer.h"

namespace latencyd::probes {

// How often a pool looks for idle transfers it did not need (TransferPool::Trim).
inline constexpr std::chrono::seconds kPoolTrimPeriod{30};

// Not thread-safe: owned and used by one worker thread.
class TransferPool {
 public:
  // Keeps at most `capacity` idle transfers (each holds an easy handle and its buffers, about
  // 25 KiB); beyond that the least recently used one is freed.
  explicit TransferPool(std::size_t capacity, SteadyTime now = SteadyTime{},
                        std::chrono::nanoseconds trim_period = kPoolTrimPeriod)
      : capacity_(capacity), trim_period_(trim_period), last_trim_(now) {}
  TransferPool(const TransferPool&) = delete;
  TransferPool& operator=(const TransferPool&) = delete;

  // An idle transfer still configured for `probe`, else the least recently used idle one,
  // else a new one; nullptr when libcurl cannot create a handle. The caller owns it until
  // Give.
  Transfer* Take(const PreparedProbe* probe);
  // Takes back a transfer whose probe has finished (Transfer::Release was called).
  void Give(Transfer* transfer);
  // Once `trim_period` has passed since the last trim: frees the idle transfers the period
  // did not need, oldest first. Kept are those their own probe took again in the period (an
  // endpoint's configured handle) and, of the others, as many as were out at once at the
  // period's peak. Cheap to call on every turn of the loop.
  void Trim(SteadyTime now);
  void Clear();

  std::size_t size() const { return lru_.size(); }

 private:
  using List = std::list<std::unique_ptr<Transfer>>;
  Transfer* Unlink(List::iterator it);
  Transfer* TakeOut(Transfer* transfer);  // counts it as out

  std::size_t capacity_;
  std::chrono::nanoseconds trim_period_;
  SteadyTime last_trim_;
  std::uint64_t period_ = 1;  // the current trim period's number (Transfer::own_probe_period)
  std::size_t out_ = 0;       // taken and not yet given back
  std::size_t peak_out_ = 0;  // the most out at once in the current period
  List lru_;                  // front: most recently given back
  std::unordered_map<const PreparedProbe*, List::iterator> by_probe_;
};

}  // namespace latencyd::probes
