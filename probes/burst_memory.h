// Gives the memory of a burst of probes in flight back to the kernel once the burst is over.
//
// Why: when a loop falls behind (the machine is saturated, or the process was paused), the
// probes that became due meanwhile start together, thousands at once at 10,000 endpoints, and
// every one beyond the pool's idle handles creates an easy handle and a connection (about
// 25 KiB). When they finish, the pool frees those handles, but glibc keeps the freed chunks in
// the loop's malloc arena: the idle handles given back last, and later long-lived allocations,
// sit above them and keep the arena from shrinking. Measured at 10,000 endpoints with sixteen
// concurrent scrapers: 56 MiB of the two loops' arenas were such free chunks, resident for
// good, and without this one burst set RSS at 370 MiB for the rest of a run (bench/README.md).
// malloc_trim hands the free pages inside all arenas back (madvise); it took 2-46 ms there
// (45 trims timed in one such run, trimming at most every 10 s).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "probes/probe.h"

namespace latencyd::probes {

// Not thread-safe: one per loop, called from the loop's thread.
class BurstMemory {
 public:
  // A burst is worth trimming after it freed this many handles (about 6 MiB; smaller bursts
  // leave holes that the next one reuses, and trimming them would only make it fault the
  // pages in again)...
  static constexpr std::size_t kFreedHandles = 256;
  // ...and once the transfers in flight are back at or below this many.
  static constexpr std::size_t kDrainedInFlight = 256;
  // At most one trim per loop this often: a trim holds each arena's lock while it walks it
  // (2-46 ms at 10,000 endpoints, above), and a machine that stays overloaded should not pay
  // that after every burst.
  static constexpr Duration kMinInterval = std::chrono::seconds(30);

  using Trim = std::function<void()>;
  // `trim` defaults to malloc_trim(0) (all arenas).
  explicit BurstMemory(Trim trim = nullptr);

  // Called after each turn of the loop with the handles its pool has freed so far (a running
  // total) and the transfers in flight now; trims when a burst has drained. Returns whether it
  // trimmed.
  bool AfterTurn(std::size_t handles_freed_total, std::size_t in_flight, SteadyTime now);

 private:
  Trim trim_;
  std::size_t freed_at_last_trim_ = 0;
  SteadyTime last_trim_ = SteadyTime::min();
};

}  // namespace latencyd::probes
