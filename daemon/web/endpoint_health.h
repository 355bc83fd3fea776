// What an operator should think of an endpoint (ok, breached, failing, no data), derived
// from its snapshot; the status page and the JSON API share it.
#pragma once

#include <string_view>
#include <vector>

#include "daemon/window/snapshot.h"

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
// When the endpoint entered its current health (unix seconds); 0 when unknown (no data).
double StateSince(const EndpointSnapshot& endpoint);
// The endpoints worst health first, by name within one health.
std::vector<const EndpointSnapshot*> WorstFirst(const DaemonSnapshot& snapshot);

}  // namespace latencyd
