// The status page served at `/`: one self-contained HTML document (inline CSS, no scripts or
// external assets) showing every endpoint worst first; a pure function of a DaemonSnapshot.
#pragma once

#include <string>

#include "daemon/window/snapshot.h"

namespace latencyd {

// "p50", "p99", "p99.9".
std::string QuantileLabel(double quantile);

std::string RenderStatusPage(const DaemonSnapshot& snapshot);

}  // namespace latencyd
