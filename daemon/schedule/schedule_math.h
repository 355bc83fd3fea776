// The scheduler's arithmetic as pure functions of time points, so it is tested without clocks.
//
// Every endpoint probes at fixed rate on a grid: due(k) = epoch + offset + k * interval, where
// offset = StableHash(name) mod interval for an endpoint alone on its host (host_phases.h
// spreads those sharing one). The grid does not drift with probe duration, the
// offsets spread thousands of endpoints over their interval (no thundering herd), and an
// endpoint keeps its phase across reloads and restarts with the same epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "daemon/clock.h"

namespace latencyd {

// 64-bit FNV-1a of the bytes of `text`: stable across builds, platforms and releases (it is
// part of the contract for phases and sharding, so it must never change).
std::uint64_t StableHash(std::string_view text);

// Which probe loop an endpoint runs on (taken mod the loop count): the SplitMix64 finalizer of
// StableHash(name). Not the hash itself: with --shard=K/N every endpoint of a shard has the
// same hash mod N, which would put a whole shard on a fraction of the loops.
std::uint64_t LoopAffinity(std::string_view name);

// Where inside its interval an endpoint probes: StableHash(name) mod interval.
Duration PhaseOffset(std::string_view name, Duration interval);

// The first grid point of (epoch, offset, interval) that is at or after `now`.
SteadyTime FirstDueAtOrAfter(SteadyTime epoch, Duration offset, Duration interval, SteadyTime now);

// The next slot after `due` once the probe due then was handled at `now`. Normally
// due + interval, even when that is already a little past (a probe that overran its deadline,
// a busy loop): the slot is then started late rather than lost, and the engine skips it only
// if less than half its timeout is left. When the scheduler fell a whole interval or more
// behind (a suspended process, an overloaded machine) the slots whose whole interval has
// passed are not replayed in a burst: they are counted in *missed_slots, and the next due is
// the latest grid point at or before now.
SteadyTime NextDue(SteadyTime due, Duration interval, SteadyTime now, std::uint64_t* missed_slots);

}  // namespace latencyd
