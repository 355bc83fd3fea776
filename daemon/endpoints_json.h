// The /api/v1/endpoints document (every endpoint's state as JSON, a pure function of a
// DaemonSnapshot), plus the state derivation and text helpers the status page shares with it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/snapshot.h"

namespace latencyd {

// What an operator should think of an endpoint, worst first (the status page's sort order).
enum class EndpointHealth {
  kFailing,   // the last probe failed
  kBreached,  // the judged quantile of the window exceeds the class threshold
  kNoData,    // no probe has finished yet, or the window is empty
  kOk,
};

EndpointHealth HealthOf(const EndpointSnapshot& endpoint);
// "failing", "breached", "no_data", "ok": the JSON `state` values.
std::string_view HealthName(EndpointHealth health);
// The endpoints worst health first, by name within one health.
std::vector<const EndpointSnapshot*> WorstFirst(const DaemonSnapshot& snapshot);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD: names and errors can carry
// arbitrary bytes (from a config file or a target's response), and both JSON and HTML
// consumers reject or mangle invalid UTF-8.
std::string ValidUtf8(std::string_view text);

// A JSON string literal (quotes included) holding `text`, control characters \u-escaped.
std::string JsonString(std::string_view text);

// The shortest decimal that reads back as `value`; "null" for NaN and infinities, which JSON
// cannot represent.
std::string JsonNumber(double value);

// The whole document; endpoints in snapshot order (by name), so clients can diff it.
std::string RenderEndpointsJson(const DaemonSnapshot& snapshot);

}  // namespace latencyd
