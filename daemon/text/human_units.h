// Human-readable durations (µs, ms, s) for the status page, logs and the probe command.
#pragma once

#include <string>

namespace latencyd {

// 0.000716 -> "716µs", 0.00194 -> "1.94ms", 0.503 -> "503ms", 2.5 -> "2.50s", NaN -> "-".
std::string FormatSeconds(double seconds);

}  // namespace latencyd
