// The /api/v1/endpoints document: every endpoint's state as JSON, a pure function of a
// DaemonSnapshot.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/web/endpoint_filter.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// The whole document; endpoints in snapshot order (by name), so clients can diff it, and only
// those `filter` matches (its page is ignored: the JSON is never paginated).
// With `filter.history`, each endpoint's history comes from `history`, or without one from
// its snapshot.
std::string RenderEndpointsJson(const DaemonSnapshot& snapshot, const EndpointFilter& filter = {},
                                const HistoryLookup& history = nullptr);

}  // namespace latencyd
