// DeadlineHeap keeps the earliest deadline on top through pushes and removals from anywhere.
#include "probes/deadline_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"

namespace latencyd::probes {
namespace {

TEST(DeadlineHeapTest, TheEarliestDeadlineIsOnTopThroughRemovalsFromAnywhere) {
  // Probes that never start: only their deadlines matter here.
  ProbeSpec spec = Spec("http://127.0.0.1:1/");
  spec.timeout = std::chrono::hours(2);  // the deadlines below come first
  auto prepared = std::make_shared<const PreparedProbe>(spec);
  const SteadyTime base = std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::mt19937 random(42);
  std::vector<std::unique_ptr<Http1Probe>> probes;
  DeadlineHeap heap;
  for (int i = 0; i < 200; ++i) {
    const SteadyTime deadline = base + std::chrono::milliseconds(random() % 1000);
    probes.push_back(std::make_unique<Http1Probe>(prepared, nullptr, deadline));
    heap.Push(probes.back().get());
  }
  // Remove every third probe, wherever it sits.
  std::vector<Http1Probe*> left;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (i % 3 == 0) {
      heap.Remove(probes[i].get());
    } else {
      left.push_back(probes[i].get());
    }
  }
  ASSERT_EQ(heap.size(), left.size());
  std::sort(left.begin(), left.end(),
            [](Http1Probe* a, Http1Probe* b) { return a->deadline() < b->deadline(); });
  for (Http1Probe* expected : left) {
    ASSERT_FALSE(heap.empty());
    EXPECT_EQ(heap.top()->deadline(), expected->deadline());
    heap.Remove(heap.top());
  }
  EXPECT_TRUE(heap.empty());
}

}  // namespace
}  // namespace latencyd::probes
