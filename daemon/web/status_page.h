// The status page served at `/`: one self-contained HTML document (inline CSS, SVG and a small
// inline script, no external assets) showing the endpoints worst first, a page at a time; a
// pure function of a DaemonSnapshot. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "daemon/web/endpoint_filter.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// Rows per page: at 10,000 endpoints the page stays small and quick to render and to scroll.
inline constexpr std::size_t kStatusPageRows = 100;

// "p50", "p99", "p99.9".
std::string QuantileLabel(double quantile);

// The page for `filter` (states, classes, page number). Without `history`, each endpoint's
// own snapshot history is drawn.
std::string RenderStatusPage(const DaemonSnapshot& snapshot, const EndpointFilter& filter = {},
                             const HistoryLookup& history = nullptr);

// One endpoint's table row (status_page_row.cc); `now` is the snapshot's time, for "ago".
std::string StatusRow(const EndpointSnapshot& e, const std::vector<HistoryBucket>& history,
                      double now);

}  // namespace latencyd
