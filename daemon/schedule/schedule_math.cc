#include "daemon/schedule/schedule_math.h"

namespace latencyd {

std::uint64_t StableHash(std::string_view text) {
  constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ull;
  constexpr std::uint64_t kFnvPrime = 1099511628211ull;
  std::uint64_t hash = kFnvOffsetBasis;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= kFnvPrime;
  }
  return hash;
}

std::uint64_t LoopAffinity(std::string_view name) {
  std::uint64_t z = StableHash(name) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Duration PhaseOffset(std::string_view name, Duration interval) {
  if (interval.count() <= 0) return Duration::zero();
  return Duration(
      static_cast<Duration::rep>(StableHash(name) % static_cast<std::uint64_t>(interval.count())));
}

SteadyTime FirstDueAtOrAfter(SteadyTime epoch, Duration offset, Duration interval, SteadyTime now) {
  SteadyTime first = epoch + offset;
  if (first >= now || interval.count() <= 0) return first;
  auto behind = (now - first).count();
  auto steps = (behind + interval.count() - 1) / interval.count();  // ceil: at or after now
  return first + interval * steps;
}

SteadyTime NextDue(SteadyTime due, Duration interval, SteadyTime now, std::uint64_t* missed_slots) {
  SteadyTime next = due + interval;
  *missed_slots = 0;
  if (interval.count() <= 0 || now < next + interval) return next;
  // Slots whose whole interval is already past are counted, not replayed; the latest slot
  // whose interval is still running is started late (the engine skips it if too little of its
  // timeout is left).
  SteadyTime latest = next + interval * ((now - next) / interval);
  *missed_slots = static_cast<std::uint64_t>((latest - next) / interval);
  return latest;
}

}  // namespace latencyd
