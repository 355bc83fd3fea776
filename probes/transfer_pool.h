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

// How often a pool looks for idle transfers it did not need (TransferPool::Trim). Short, so
// that the handles a burst made (a target that slowed down for a moment holds hundreds of
// probes in flight at 10,000 endpoints) are freed within two periods, before the next scrape
// 15 s apart can see them: with 30 s, the pool kept the last burst's handles from one scrape
// round to the next, and RSS at 10,000 endpoints followed the bursts of the last minute.
// Recreating them costs about 1.4 us each (curl_easy_init and cleanup), once per burst.
inline constexpr std::chrono::seconds kPoolTrimPeriod{2};
// The most transfers a trim frees in one call (one turn of the loop): freeing a few hundred
// handles at once would hold the loop's responses back for milliseconds.
inline constexpr std::size_t kMaxFreesPerTrim = 32;

// Not thread-safe: owned and used by one worker thread.
class TransferPool {
 public:
  // Keeps at most `capacity` idle transfers (each holds an easy handle and its buffers, about
  // 25 KiB); beyond that the least recently used one is freed. Trim periods start at `now`.
  TransferPool(std::size_t capacity, SteadyTime now,
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
  // Frees idle transfers the last period did not need, oldest first, at most
  // kMaxFreesPerTrim per call; call it on every turn of the loop. Kept are an endpoint's own
  // transfers (Transfer::reused_by_own_probe) and, of those passed from probe to probe, as
  // many as were out at once at the period's peak.
  void Trim(SteadyTime now);
  void Clear();

  std::size_t size() const { return lru_.size(); }

 private:
  using List = std::list<std::unique_ptr<Transfer>>;
  Transfer* Unlink(List::iterator it);
  Transfer* CountOut(Transfer* transfer);
  std::size_t IdleShared() const;  // idle transfers that are no endpoint's own
  void FreeSurplus();

  std::size_t capacity_;
  std::chrono::nanoseconds trim_period_;
  SteadyTime last_trim_;
  std::size_t out_ = 0;       // taken and not yet given back
  std::size_t peak_out_ = 0;  // the most out at once in the current period
  std::size_t surplus_ = 0;   // shared idle transfers the last period did not need, to free
  List lru_;                  // front: most recently given back
  std::unordered_map<const PreparedProbe*, List::iterator> by_probe_;
};

}  // namespace latencyd::probes
