#include "daemon/shard.h"

#include <algorithm>
#include <cstdlib>

#include "daemon/schedule/schedule_math.h"

namespace latencyd {
namespace {

constexpr int kMaxShards = 10000;

bool ParsePositive(const std::string& text, int* value) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *value = std::atoi(text.c_str());
  return true;
}

}  // namespace

bool ParseShard(const std::string& text, Shard* shard, std::string* error) {
  std::size_t slash = text.find('/');
  Shard parsed;
  if (slash == std::string::npos || !ParsePositive(text.substr(0, slash), &parsed.index) ||
      !ParsePositive(text.substr(slash + 1), &parsed.count)) {
    *error = "--shard takes K/N, e.g. 1/3";
    return false;
  }
  if (parsed.count < 1 || parsed.count > kMaxShards || parsed.index < 1 ||
      parsed.index > parsed.count) {
    *error = "--shard " + text + ": K must be 1..N and N 1.." + std::to_string(kMaxShards) +
             " (shards are numbered from 1)";
    return false;
  }
  *shard = parsed;
  return true;
}

bool InShard(std::string_view endpoint_name, const Shard& shard) {
  auto count = static_cast<std::uint64_t>(shard.count);
  return StableHash(endpoint_name) % count + 1 == static_cast<std::uint64_t>(shard.index);
}

void KeepShard(const Shard& shard, config::Config* config) {
  if (shard.count == 1) return;
  auto& endpoints = config->endpoints;
  endpoints.erase(
      std::remove_if(endpoints.begin(), endpoints.end(),
                     [&](const config::Endpoint& e) { return !InShard(e.name, shard); }),
      endpoints.end());
}

}  // namespace latencyd
