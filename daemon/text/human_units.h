// Human-readable durations (µs, ms, s) for the status page, logs and the probe command.
#pragma once

#include <string>

namespace latencyd {

// 0.000716 -> "716µs", 0.00194 -> "1.94ms", 0.503 -> "503ms", 2.5 -> "2.50s", NaN -> "-".
std::string FormatSeconds(double seconds);

// A span of time for "12 s ago" / "since ... (3 h 5 min)": "12 s", "5 min", "3 h 5 min",
// "2 d 4 h"; negative spans (clock skew) read as "0 s".
std::string FormatAge(double seconds);

// "2026-11-30 00:36:49 UTC"; "never" for 0 or less.
std::string FormatUtc(double unix_seconds);

// ISO 8601 in UTC, whole seconds: "2026-11-30T00:36:49Z".
std::string FormatIsoUtc(double unix_seconds);

}  // namespace latencyd
