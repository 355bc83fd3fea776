// The query parameters the status page and /api/v1/endpoints share: which endpoints to show
// (?state=, ?class=) and which page of them (?page=). Pure, thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/window/snapshot.h"

namespace latencyd {

// Query parameters as received: name -> every value given for it, in order.
using QueryParams = std::multimap<std::string, std::string>;

struct EndpointFilter {
  std::set<std::string> states;   // JSON state names; empty: every state
  std::set<std::string> classes;  // empty: every class
  std::size_t page = 1;           // 1-based
  bool history = true;            // JSON only: ?history=false leaves the buckets out

  bool Matches(const EndpointSnapshot& endpoint) const;
  // The endpoints that match, in `endpoints`' order.
  std::vector<const EndpointSnapshot*> Select(
      const std::vector<const EndpointSnapshot*>& endpoints) const;
};

// Reads ?state=failing,breached&class=core&page=2 (a parameter may repeat or hold a
// comma-separated list). False with `error` set on an unknown state, a bad page or history.
bool ParseEndpointFilter(const QueryParams& params, EndpointFilter* filter, std::string* error);

// The query string ("?state=ok&class=core", or "" when nothing is filtered) that selects
// `filter` at `page`, for links between pages.
std::string FilterQuery(const EndpointFilter& filter, std::size_t page);

}  // namespace latencyd
