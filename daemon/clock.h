// The daemon's time types: steady time points for scheduling and windows (the same types the
// probe engine reports in), and the one conversion to the seconds every output uses.
#pragma once

#include <chrono>

#include "probes/probe.h"

namespace latencyd {

using SteadyTime = probes::SteadyTime;
using Duration = probes::Duration;

// Seconds as exported everywhere. Dividing the exact nanosecond count keeps a 5 ms threshold
// bit-identical to the literal 0.005, so histogram bounds and threshold gauges match.
inline double ToSeconds(Duration d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace latencyd
