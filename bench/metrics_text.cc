// SumSeries: a single scan over the exposition lines.
#include "bench/metrics_text.h"

#include <cmath>
#include <cstdlib>

namespace latencyd::bench {
namespace {

struct Line {
  std::string_view name;
  std::string_view labels;  // between the braces, "" when none
  double value = 0;
};

bool ParseLine(std::string_view line, Line* out) {
  if (line.empty() || line[0] == '#') return false;
  std::size_t name_end = line.find_first_of("{ ");
  if (name_end == std::string_view::npos) return false;
  out->name = line.substr(0, name_end);
  out->labels = {};
  std::size_t value_start = name_end;
  if (line[name_end] == '{') {
    bool quoted = false;
    std::size_t i = name_end + 1;
    for (; i < line.size(); ++i) {
      if (quoted && line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        quoted = !quoted;
      } else if (!quoted && line[i] == '}') {
        break;
      }
    }
    if (i >= line.size()) return false;
    out->labels = line.substr(name_end + 1, i - name_end - 1);
    value_start = i + 1;
  }
  std::string value(line.substr(value_start));
  out->value = std::strtod(value.c_str(), nullptr);
  return true;
}

bool HasLabel(std::string_view labels, const std::string& key, const std::string& value) {
  std::string pair = key + "=\"" + value + "\"";
  for (std::size_t at = labels.find(pair); at != std::string_view::npos;
       at = labels.find(pair, at + 1)) {
    if (at == 0 || labels[at - 1] == ',') return true;
  }
  return false;
}

bool Matches(const Line& line, const SeriesQuery& query) {
  if (line.name != query.name) return false;
  for (const auto& [key, value] : query.labels) {
    if (!HasLabel(line.labels, key, value)) return false;
  }
  return true;
}

}  // namespace

std::vector<SeriesSum> SumSeries(std::string_view exposition,
                                 const std::vector<SeriesQuery>& queries) {
  std::vector<SeriesSum> sums(queries.size());
  std::size_t pos = 0;
  Line line;
  while (pos < exposition.size()) {
    std::size_t end = exposition.find('\n', pos);
    if (end == std::string_view::npos) end = exposition.size();
    if (ParseLine(exposition.substr(pos, end - pos), &line)) {
      for (std::size_t q = 0; q < queries.size(); ++q) {
        if (!Matches(line, queries[q])) continue;
        ++sums[q].series;
        sums[q].last = line.value;
        if (!std::isnan(line.value)) sums[q].sum += line.value;
      }
    }
    pos = end + 1;
  }
  return sums;
}

}  // namespace latencyd::bench
