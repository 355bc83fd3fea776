// `latencyd baseline`: probes every endpoint of a config exactly as the daemon does (same
// probe settings, schedule and engine) for a while, and writes per-endpoint medians as
// pytest-benchmark JSON, so `baseline.pytest_benchmark` compares like with like.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "config/config.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

struct BaselineCommandOptions {
  std::string config_file = "latencyd.yml";
  std::chrono::nanoseconds duration = std::chrono::minutes(5);
  std::string output = "baseline.json";  // "-": standard output
  int probe_workers = 0;
};

// The config as the baseline run probes it: every window spans the whole run, quantiles
// include the quartiles and the extremes, and timed-out probes stay out of the quantiles (a
// baseline is the medians of answered requests, like a benchmark's).
config::Config BaselineRunConfig(config::Config config, std::chrono::nanoseconds duration);

// pytest-benchmark-shaped JSON of `snapshot` (one benchmark per endpoint with at least one
// successful probe, named after the endpoint; stats in seconds). Pure.
std::string RenderBaselineJson(const config::Config& config, const DaemonSnapshot& snapshot,
                               double unix_now);

// Runs the whole command: 0 when every endpoint has a median, 1 on a config or output error
// or when some endpoint never answered (the others are still written). Messages go to `err`.
int RunBaselineCommand(const BaselineCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace latencyd
