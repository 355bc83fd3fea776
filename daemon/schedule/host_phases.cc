#include "daemon/schedule/host_phases.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <queue>
#include <utility>

#include "daemon/schedule/schedule_math.h"

namespace latencyd {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The members of one group: indexes into the requests, sorted by name.
using Group = std::vector<std::size_t>;

Duration Wrap(Duration value, Duration interval) {
  Duration r = value % interval;
  return r < Duration::zero() ? r + interval : r;
}

void SpreadEvenly(const std::vector<PhaseRequest>& requests, const Group& group,
                  std::vector<Duration>& out) {
  const Duration interval = requests[group.front()].interval;
  const Duration base = PhaseOffset(requests[group.front()].name, interval);
  const auto n = static_cast<Duration::rep>(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    out[group[i]] = Wrap(base + interval * static_cast<Duration::rep>(i) / n, interval);
  }
}

// Each new member goes into the middle of the currently largest gap (a gap is the stretch
// from one taken offset to the next, around the end of the interval).
void FillLargestGaps(const std::vector<PhaseRequest>& requests, const Group& group,
                     std::vector<Duration>& out) {
  const Duration interval = requests[group.front()].interval;
  std::vector<Duration> taken;
  for (std::size_t i : group) {
    if (requests[i].kept) taken.push_back(out[i] = Wrap(*requests[i].kept, interval));
  }
  std::sort(taken.begin(), taken.end());
  // (length, start); the largest first, ties to the earliest start so the result is stable.
  auto later = [](const std::pair<Duration, Duration>& a, const std::pair<Duration, Duration>& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  };
  std::priority_queue<std::pair<Duration, Duration>, std::vector<std::pair<Duration, Duration>>,
                      decltype(later)>
      gaps(later);
  for (std::size_t i = 0; i < taken.size(); ++i) {
    const Duration next = i + 1 < taken.size() ? taken[i + 1] : taken.front() + interval;
    gaps.push({next - taken[i], taken[i]});
  }
  for (std::size_t i : group) {
    if (requests[i].kept) continue;
    auto [length, start] = gaps.top();
    gaps.pop();
    const Duration half = length / 2;
    out[i] = Wrap(start + half, interval);
    gaps.push({half, start});
    gaps.push({length - half, start + half});
  }
}

}  // namespace

std::string HostKey(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::string scheme = Lower(url.substr(0, scheme_end));
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  // A port follows the last ':' unless that ':' is inside an IPv6 literal's brackets.
  const std::size_t colon = authority.rfind(':');
  const std::size_t bracket = authority.rfind(']');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  if (has_port) return Lower(authority);
  return Lower(authority) + (scheme == "https" ? ":443" : ":80");
}

std::vector<Duration> AssignPhaseOffsets(const std::vector<PhaseRequest>& requests) {
  std::vector<Duration> out(requests.size(), Duration::zero());
  std::map<std::pair<std::string, Duration::rep>, Group> groups;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].interval <= Duration::zero()) continue;
    groups[{requests[i].host_key, requests[i].interval.count()}].push_back(i);
  }
  for (auto& [key, group] : groups) {
    std::sort(group.begin(), group.end(),
              [&](std::size_t a, std::size_t b) { return requests[a].name < requests[b].name; });
    const bool any_kept = std::any_of(group.begin(), group.end(),
                                      [&](std::size_t i) { return requests[i].kept.has_value(); });
    if (any_kept) {
      FillLargestGaps(requests, group, out);
    } else {
      SpreadEvenly(requests, group, out);
    }
  }
  return out;
}

}  // namespace latencyd
