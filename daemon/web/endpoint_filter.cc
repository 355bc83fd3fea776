#include "daemon/web/endpoint_filter.h"

#include <algorithm>
#include <array>

#include "daemon/web/endpoint_health.h"

namespace latencyd {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

bool KnownState(const std::string& state) {
  static constexpr std::array<EndpointHealth, 4> kAll = {
      EndpointHealth::kFailing, EndpointHealth::kBreached, EndpointHealth::kNoData,
      EndpointHealth::kOk};
  return std::any_of(kAll.begin(), kAll.end(),
                     [&state](EndpointHealth h) { return HealthName(h) == state; });
}

// Query values are plain words here; anything else is left out of generated links.
std::string Escape(const std::string& value) {
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Join(const std::set<std::string>& values) {
  std::string out;
  for (const std::string& value : values) out += (out.empty() ? "" : ",") + Escape(value);
  return out;
}

}  // namespace

bool EndpointFilter::Matches(const EndpointSnapshot& endpoint) const {
  if (!states.empty() && states.count(std::string(HealthName(HealthOf(endpoint)))) == 0) {
    return false;
  }
  return classes.empty() || classes.count(endpoint.class_name) > 0;
}

std::vector<const EndpointSnapshot*> EndpointFilter::Select(
    const std::vector<const EndpointSnapshot*>& endpoints) const {
  std::vector<const EndpointSnapshot*> selected;
  for (const EndpointSnapshot* e : endpoints) {
    if (Matches(*e)) selected.push_back(e);
  }
  return selected;
}

bool ParseEndpointFilter(const QueryParams& params, EndpointFilter* filter, std::string* error) {
  for (const auto& [name, value] : params) {
    if (name == "state") {
      for (const std::string& state : SplitCommas(value)) {
        if (!KnownState(state)) {
          *error = "unknown state \"" + state + "\" (known: failing, breached, no_data, ok)";
          return false;
        }
        filter->states.insert(state);
      }
    } else if (name == "class") {
      for (const std::string& klass : SplitCommas(value)) filter->classes.insert(klass);
    } else if (name == "page") {
      if (value.empty() || value.size() > 9 ||
          value.find_first_not_of("0123456789") != std::string::npos || std::stoul(value) == 0) {
        *error = "page must be a positive integer";
        return false;
      }
      filter->page = std::stoul(value);
    } else if (name == "history") {
      if (value != "true" && value != "false") {
        *error = "history must be true or false";
        return false;
      }
      filter->history = value == "true";
    }
  }
  return true;
}

std::string FilterQuery(const EndpointFilter& filter, std::size_t page) {
  std::string query;
  auto add = [&query](const std::string& part) { query += (query.empty() ? "?" : "&") + part; };
  if (!filter.states.empty()) add("state=" + Join(filter.states));
  if (!filter.classes.empty()) add("class=" + Join(filter.classes));
  if (page > 1) add("page=" + std::to_string(page));
  return query;
}

}  // namespace latencyd
