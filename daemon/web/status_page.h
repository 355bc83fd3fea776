// The status page served at `/`: one self-contained HTML document (inline CSS, no scripts or
// external assets) showing every endpoint worst first; a pure function of a DaemonSnapshot.
#pragma once

#include <string>
#include <string_view>

#include "daemon/window/snapshot.h"

namespace latencyd {

// `text` safe inside HTML text and double- or single-quoted attributes; invalid UTF-8 and
// control characters become U+FFFD so a hostile error message cannot break the page.
std::string HtmlEscape(std::string_view text);

// "p50", "p99", "p99.9".
std::string QuantileLabel(double quantile);

std::string RenderStatusPage(const DaemonSnapshot& snapshot);

}  // namespace latencyd
