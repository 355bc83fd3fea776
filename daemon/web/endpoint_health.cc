#include "daemon/web/endpoint_health.h"

#include <algorithm>
#include <string>
#include <tuple>

namespace latencyd {

EndpointHealth HealthOf(const EndpointSnapshot& endpoint) {
  if (!endpoint.has_result) return EndpointHealth::kNoData;
  if (!endpoint.last_success) return EndpointHealth::kFailing;
  if (endpoint.breached) return EndpointHealth::kBreached;
  if (endpoint.window_samples == 0) return EndpointHealth::kNoData;
  return EndpointHealth::kOk;
}

std::string_view HealthName(EndpointHealth health) {
  switch (health) {
    case EndpointHealth::kFailing:
      return "failing";
    case EndpointHealth::kBreached:
      return "breached";
    case EndpointHealth::kNoData:
      return "no_data";
    case EndpointHealth::kOk:
      return "ok";
  }
  return "no_data";
}

double StateSince(const EndpointSnapshot& endpoint) {
  switch (HealthOf(endpoint)) {
    case EndpointHealth::kFailing:
      return endpoint.failing_since_seconds;
    case EndpointHealth::kBreached:
      return endpoint.breached_since_seconds;
    case EndpointHealth::kOk:
      return endpoint.healthy_since_seconds;
    case EndpointHealth::kNoData:
      return 0;
  }
  return 0;
}

std::vector<const EndpointSnapshot*> WorstFirst(const DaemonSnapshot& snapshot) {
  std::vector<const EndpointSnapshot*> sorted;
  sorted.reserve(snapshot.endpoints.size());
  for (const EndpointSnapshot& e : snapshot.endpoints) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::make_tuple(HealthOf(*a), std::string_view(a->name)) <
           std::make_tuple(HealthOf(*b), std::string_view(b->name));
  });
  return sorted;
}

}  // namespace latencyd
