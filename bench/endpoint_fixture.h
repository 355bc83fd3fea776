// The endpoint config of the in-process benchmarks (no daemon, no network), so that their
// per-endpoint figures are of the same endpoint.
#pragma once

#include <chrono>

#include "config/config.h"

namespace latencyd::bench {

// Endpoint `i` of class core: named e100000 + i, a plain-HTTP URL on 127.0.0.1, timeout =
// interval, quantiles 0.5, 0.9, 0.95 and 0.99, no labels of its own.
config::Endpoint CoreEndpoint(int i, std::chrono::seconds window,
                              std::chrono::milliseconds interval);

}  // namespace latencyd::bench
