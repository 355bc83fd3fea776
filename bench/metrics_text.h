// Reading figures out of a Prometheus text exposition (the daemon's /metrics), in one pass
// however large the page is (about 10 KB per endpoint).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latencyd::bench {

// Selects series by metric name (exact) and label pairs that must all be present.
struct SeriesQuery {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
};

struct SeriesSum {
  double sum = 0;   // NaN samples are not added
  int series = 0;   // how many series matched
  double last = 0;  // value of the last matching series (for single-series queries)
};

// One result per query, in the order of `queries`.
std::vector<SeriesSum> SumSeries(std::string_view exposition,
                                 const std::vector<SeriesQuery>& queries);

}  // namespace latencyd::bench
