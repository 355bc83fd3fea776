// The text `latencyd probe` prints: one aligned row per probe, the exact quantiles of the
// successful ones, or the failures and a one-line summary when none succeeded. Pure
// functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "probes/probe.h"

namespace latencyd {

// Columns of 10 display characters, right-aligned; width counts UTF-8 characters, not bytes
// ("716µs" is 5 wide, 6 bytes).
std::string TableRow(const std::vector<std::string>& cells);
std::size_t DisplayWidth(const std::string& text);

std::string ProbeTableHeader();
// One probe's row; a failed probe's row ends with its reason and message.
std::string ProbeTableRow(int number, const probes::ProbeResult& result);

// After the last probe: the quantile table of the successful probes, or, when none
// succeeded, only the summary naming every distinct failure. Always ends with
// "N probes: K ok, F failed".
std::string ProbeSummary(const std::vector<probes::ProbeResult>& results);

// What the last probe that got a response spoke: HTTP version, TLS version and whether the
// session was resumed, the earliest certificate expiry (relative to `now`); "" when no probe
// got a response.
std::string ConnectionFacts(const std::vector<probes::ProbeResult>& results,
                            std::chrono::system_clock::time_point now);

}  // namespace latencyd
