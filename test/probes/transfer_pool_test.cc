// TransferPool: a probe gets back the handle it configured last; others take the least
// recently used one; the pool never holds more than its capacity.
#include "probes/transfer_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace latencyd::probes {
namespace {

std::shared_ptr<const PreparedProbe> Probe(const std::string& path) {
  ProbeSpec spec;
  spec.url = "http://127.0.0.1:1" + path;
  return std::make_shared<const PreparedProbe>(spec);
}

// A transfer configured for `probe` and finished, as the worker gives it back.
Transfer* Ran(TransferPool& pool, const std::shared_ptr<const PreparedProbe>& probe) {
  Transfer* t = pool.Take(probe.get());
  EXPECT_NE(t, nullptr);
  EXPECT_TRUE(t->Prepare(probe, nullptr));
  t->Release();
  return t;
}

TEST(TransferPoolTest, AnEmptyPoolMakesANewUnconfiguredTransfer) {
  TransferPool pool(4);
  auto a = Probe("/a");
  std::unique_ptr<Transfer> t(pool.Take(a.get()));
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->valid());
  EXPECT_EQ(t->configured_for(), nullptr);
  EXPECT_EQ(pool.size(), 0u);
}

TEST(TransferPoolTest, AProbeGetsBackTheTransferItConfigured) {
  TransferPool pool(4);
  auto a = Probe("/a");
  auto b = Probe("/b");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  pool.Give(for_a);
  pool.Give(for_b);  // the most recently used one
  Transfer* again = pool.Take(a.get());
  EXPECT_EQ(again, for_a);
  EXPECT_EQ(again->configured_for(), a.get());
  pool.Give(again);
  EXPECT_EQ(pool.size(), 2u);
}

TEST(TransferPoolTest, AnotherProbeTakesTheLeastRecentlyUsedTransfer) {
  TransferPool pool(4);
  auto a = Probe("/a");
  auto b = Probe("/b");
  auto c = Probe("/c");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  pool.Give(for_a);
  pool.Give(for_b);
  Transfer* taken = pool.Take(c.get());
  EXPECT_EQ(taken, for_a);
  // a's transfer left the pool: asking for a now yields b's (the only one left).
  Transfer* next = pool.Take(a.get());
  EXPECT_EQ(next, for_b);
  EXPECT_EQ(pool.size(), 0u);
  pool.Give(taken);
  pool.Give(next);
}

TEST(TransferPoolTest, BeyondCapacityTheLeastRecentlyUsedTransferIsFreed) {
  TransferPool pool(2);
  auto a = Probe("/a");
  auto b = Probe("/b");
  auto c = Probe("/c");
  Transfer* for_a = Ran(pool, a);
  Transfer* for_b = Ran(pool, b);
  Transfer* for_c = Ran(pool, c);
  pool.Give(for_a);
  pool.Give(for_b);
  pool.Give(for_c);  // frees a's
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.Take(c.get()), for_c);
  EXPECT_EQ(pool.Take(b.get()), for_b);
  std::unique_ptr<Transfer> fresh(pool.Take(a.get()));
  EXPECT_EQ(fresh->configured_for(), nullptr);
  pool.Give(for_b);
  pool.Give(for_c);
}

TEST(TransferPoolTest, TwoIdleTransfersOfOneProbeAreBothKept) {
  TransferPool pool(4);
  auto a = Probe("/a");
  Transfer* first = Ran(pool, a);
  Transfer* second = pool.Take(a.get());  // the pool is empty: a new one
  ASSERT_NE(second, first);
  ASSERT_TRUE(second->Prepare(a, nullptr));
  second->Release();
  pool.Give(first);
  pool.Give(second);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.Take(a.get()), second);  // the newest is the indexed one
  EXPECT_EQ(pool.Take(a.get()), first);   // the older one is still handed out
  pool.Give(first);
  pool.Give(second);
}

}  // namespace
}  // namespace latencyd::probes
