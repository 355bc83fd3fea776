// `latencyd probe URL`: probes one URL a few times from the command line and prints each
// probe's phases and the exact quantiles, the same measurement the daemon makes.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace latencyd {

struct ProbeCommandOptions {
  std::string url;
  int count = 10;
  std::chrono::nanoseconds interval = std::chrono::milliseconds(200);
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  bool keepalive = false;
};

// Returns 0 when every probe succeeded, 1 otherwise.
int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out);

}  // namespace latencyd
