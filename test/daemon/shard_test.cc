#include "daemon/shard.h"

#include <gtest/gtest.h>

#include <vector>

#include "daemon/schedule/schedule_math.h"

namespace latencyd {
namespace {

TEST(ParseShardTest, Table) {
  struct Case {
    std::string text;
    bool ok;
    int index;
    int count;
  };
  const Case cases[] = {
      {"1/1", true, 1, 1},   {"2/3", true, 2, 3},    {"3/3", true, 3, 3},      {"0/3", false, 0, 0},
      {"4/3", false, 0, 0},  {"1/0", false, 0, 0},   {"a/3", false, 0, 0},     {"3", false, 0, 0},
      {"-1/3", false, 0, 0}, {"1/3/4", false, 0, 0}, {"1/20000", false, 0, 0},
  };
  for (const Case& c : cases) {
    Shard shard;
    std::string error;
    EXPECT_EQ(ParseShard(c.text, &shard, &error), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(shard.index, c.index) << c.text;
      EXPECT_EQ(shard.count, c.count) << c.text;
    } else {
      EXPECT_FALSE(error.empty()) << c.text;
    }
  }
}

TEST(InShardTest, EveryEndpointIsInExactlyOneShardAndShardsAreBalanced) {
  const int kShards = 4;
  int per_shard[kShards] = {};
  for (int i = 0; i < 4000; ++i) {
    std::string name = "endpoint-" + std::to_string(i);
    int owners = 0;
    for (int k = 1; k <= kShards; ++k) {
      if (InShard(name, Shard{k, kShards})) {
        ++owners;
        ++per_shard[k - 1];
      }
    }
    EXPECT_EQ(owners, 1) << name;
  }
  for (int count : per_shard) {
    EXPECT_GT(count, 850);
    EXPECT_LT(count, 1150);
  }
}

TEST(InShardTest, IsTheDocumentedHash) {
  // FNV-1a 64 of "foobar" is 0x85944171f73967e8, which is 0 mod 2 and 0 mod 3.
  EXPECT_TRUE(InShard("foobar", Shard{1, 2}));
  EXPECT_TRUE(InShard("foobar", Shard{1, 3}));
  EXPECT_FALSE(InShard("foobar", Shard{3, 3}));
  EXPECT_TRUE(InShard("anything", Shard{1, 1}));
}

TEST(InShardTest, AShardStillSpreadsOverEveryProbeLoop) {
  // The shard and the loop must not come from the same residue of one hash.
  for (int shards : {2, 4}) {
    for (int loops : {2, 4, 8}) {
      std::vector<int> per_loop(loops);
      for (int i = 0; i < 8000; ++i) {
        std::string name = "svc-" + std::to_string(i);
        if (InShard(name, Shard{1, shards})) ++per_loop[LoopAffinity(name) % loops];
      }
      int expected = 8000 / shards / loops;
      for (int count : per_loop) {
        EXPECT_GT(count, expected * 3 / 4) << shards << " shards, " << loops << " loops";
      }
    }
  }
}

TEST(KeepShardTest, DropsOtherShardsEndpoints) {
  config::Config config;
  for (int i = 0; i < 100; ++i) {
    config::Endpoint endpoint;
    endpoint.name = "e" + std::to_string(i);
    config.endpoints.push_back(endpoint);
  }
  config::Config first = config;
  config::Config second = config;
  KeepShard(Shard{1, 2}, &first);
  KeepShard(Shard{2, 2}, &second);
  EXPECT_EQ(first.endpoints.size() + second.endpoints.size(), 100u);
  for (const auto& e : first.endpoints) EXPECT_TRUE(InShard(e.name, Shard{1, 2}));
  for (const auto& e : second.endpoints) EXPECT_TRUE(InShard(e.name, Shard{2, 2}));
}

}  // namespace
}  // namespace latencyd
