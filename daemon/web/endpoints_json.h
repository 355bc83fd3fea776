// The /api/v1/endpoints document: every endpoint's state as JSON, a pure function of a
// DaemonSnapshot.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/window/snapshot.h"

namespace latencyd {

// The whole document; endpoints in snapshot order (by name), so clients can diff it.
std::string RenderEndpointsJson(const DaemonSnapshot& snapshot);

}  // namespace latencyd
