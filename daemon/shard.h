// Sharding endpoints over N latencyd instances (--shard=K/N): every endpoint belongs to exactly
// one shard, by a stable hash of its name, so N instances with the same config probe each
// endpoint exactly once and Prometheus sees the union. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace latencyd {

// Shard `index` of `count`, 1-based: "2/3" is the second of three. {1, 1} probes everything.
struct Shard {
  int index = 1;
  int count = 1;
};

// Parses "K/N" with 1 <= K <= N <= 10000; false (and `error` says why) otherwise.
bool ParseShard(const std::string& text, Shard* shard, std::string* error);

// The shard an endpoint belongs to: (FNV-1a 64 of its name mod N) + 1.
bool InShard(std::string_view endpoint_name, const Shard& shard);

// Drops the endpoints of other shards from `config`.
void KeepShard(const Shard& shard, config::Config* config);

}  // namespace latencyd
