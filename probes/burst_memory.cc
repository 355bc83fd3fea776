#include "probes/burst_memory.h"

#include <malloc.h>

#include <utility>

namespace latencyd::probes {

BurstMemory::BurstMemory(Trim trim) : trim_(std::move(trim)) {
  if (!trim_) trim_ = [] { malloc_trim(0); };
}

bool BurstMemory::AfterTurn(std::size_t handles_freed_total, std::size_t in_flight,
                            SteadyTime now) {
  if (handles_freed_total - freed_at_last_trim_ < kFreedHandles) return false;
  if (in_flight > kDrainedInFlight) return false;  // still in the burst: it frees more
  if (last_trim_ != SteadyTime::min() && now - last_trim_ < kMinInterval) return false;
  trim_();
  freed_at_last_trim_ = handles_freed_total;
  last_trim_ = now;
  return true;
}

}  // namespace latencyd::probes
