// ScrapeRenderer: the text of a scrape is the snapshot's exposition; concurrent scrapes share a
// snapshot, snapshots are bounded, and a newer scrape never reads an older snapshot.
#include "daemon/metrics/scrape_renderer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/metrics/metric_families.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;

DaemonSnapshot SnapshotOf(int endpoints, int generation) {
  DaemonSnapshot snapshot;
  for (int i = 0; i < endpoints; ++i) {
    EndpointSnapshot e;
    e.name = "ep" + std::to_string(i);
    e.class_name = "core";
    e.successes = static_cast<std::uint64_t>(generation);
    e.duration.quantiles = {{0.5, 0.001 * generation}};
    snapshot.endpoints.push_back(e);
  }
  snapshot.version = "v";
  return snapshot;
}

ProcessStats FixedProcess() {
  ProcessStats stats;
  stats.resident_memory_bytes = 1234;
  return stats;
}

std::string ReadAll(ScrapeRenderer::Scrape& scrape) {
  std::string text;
  for (std::string_view piece = scrape.Next(); !piece.empty(); piece = scrape.Next()) {
    text += piece;
  }
  return text;
}

TEST(ScrapeRendererTest, AScrapeIsTheExpositionOfAFreshSnapshot) {
  std::atomic<int> generation{0};
  ScrapeRenderer renderer(
      [&](DaemonSnapshot& out) {
        const DaemonSnapshot fresh = SnapshotOf(300, ++generation);
        out = fresh;
      },
      1, FixedProcess);
  for (int round = 1; round <= 3; ++round) {
    auto scrape = renderer.Begin(milliseconds(0));
    ASSERT_NE(scrape, nullptr);
    const ProcessStats process = FixedProcess();
    EXPECT_EQ(ReadAll(*scrape), RenderMetricsText(SnapshotOf(300, round), &process));
  }
}

// Sixteen scrapers at once cost one fill and one snapshot's memory, and render kScrapeRenders
// at a time.
TEST(ScrapeRendererTest, ConcurrentScrapesShareOneFillAndAtMostRendersReadAtOnce) {
  int fills = 0;
  const SteadyTime now{std::chrono::seconds(10)};
  ScrapeRenderer renderer([&](DaemonSnapshot& out) { out = SnapshotOf(3, ++fills); }, kScrapeSlots,
                          FixedProcess, [&now] { return now; });
  const ProcessStats process = FixedProcess();
  const std::string expected = RenderMetricsText(SnapshotOf(3, 1), &process);
  auto first = renderer.Begin(milliseconds(0));
  auto second = renderer.Begin(milliseconds(0));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(renderer.Begin(milliseconds(20)), nullptr) << kScrapeRenders << " renders at once";
  EXPECT_EQ(ReadAll(*first), expected);
  first.reset();
  for (int i = 0; i < 14; ++i) {
    auto scrape = renderer.Begin(milliseconds(0));
    ASSERT_NE(scrape, nullptr) << "scrape " << i;
    EXPECT_EQ(ReadAll(*scrape), expected);
  }
  EXPECT_EQ(ReadAll(*second), expected);
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(renderer.snapshots(), 1u);
}

// A scrape newer than the snapshot must not read it, and the snapshot cannot be refilled under
// its readers: the scrape waits for them, then refills, and everyone who arrived meanwhile
// reads that one fill.
TEST(ScrapeRendererTest, ScrapesArrivingWhileOthersReadShareTheNextFill) {
  std::atomic<int> fills{0};
  std::atomic<std::int64_t> now_ms{10'000};
  ScrapeRenderer renderer([&](DaemonSnapshot& out) { out = SnapshotOf(3, ++fills); }, 1,
                          FixedProcess,
                          [&now_ms] { return SteadyTime{milliseconds(now_ms.load())}; });
  auto reader = renderer.Begin(milliseconds(0));
  ASSERT_NE(reader, nullptr);
  now_ms += 1;
  EXPECT_EQ(renderer.Begin(milliseconds(20)), nullptr) << "read by an older scrape";
  std::vector<std::thread> late;
  std::atomic<int> served{0};
  for (int i = 0; i < 3; ++i) {
    late.emplace_back([&] {
      if (auto scrape = renderer.Begin(std::chrono::seconds(30))) {
        if (ReadAll(*scrape).find("latencyd_probes_total") != std::string::npos) ++served;
      }
    });
  }
  reader.reset();
  for (auto& thread : late) thread.join();
  EXPECT_EQ(served, 3);
  EXPECT_EQ(fills, 2);
  EXPECT_EQ(renderer.snapshots(), 1u);
}

// Two snapshots at most, a spare after 30 ms of waiting, a clock the test moves and a count
// of fills.
struct SpareRendererFixture {
  int fills = 0;
  std::atomic<std::int64_t> now_ms{10'000};
  ScrapeRenderer renderer{[this](DaemonSnapshot& out) { out = SnapshotOf(3, ++fills); }, 2,
                          FixedProcess, [this] { return SteadyTime{milliseconds(now_ms.load())}; },
                          milliseconds(30)};
};

// A client reading slowly holds its snapshot; after spare_after a newer scrape fills the spare
// instead of waiting for it, and with both held the next one gets nothing.
TEST(ScrapeRendererTest, ASlowReaderMakesLaterScrapesUseTheSpareButNoMore) {
  SpareRendererFixture f;
  int& fills = f.fills;
  std::atomic<std::int64_t>& now_ms = f.now_ms;
  ScrapeRenderer& renderer = f.renderer;
  auto slow = renderer.Begin(milliseconds(0));
  ASSERT_NE(slow, nullptr);
  now_ms += 1;
  EXPECT_EQ(renderer.Begin(milliseconds(0)), nullptr) << "no spare before spare_after";
  EXPECT_EQ(renderer.snapshots(), 1u);
  auto second = renderer.Begin(std::chrono::seconds(30));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(fills, 2);
  EXPECT_EQ(renderer.snapshots(), 2u);
  now_ms += 1;
  EXPECT_EQ(renderer.Begin(milliseconds(100)), nullptr) << "both snapshots have readers";
  EXPECT_EQ(renderer.snapshots(), 2u);
}

// The spare exists for the slow reader: once neither snapshot has a reader, only the newest
// is kept, and the next scrape refills it in place instead of allocating again.
TEST(ScrapeRendererTest, TheSpareIsFreedOnceNoScrapeReadsEitherSnapshot) {
  SpareRendererFixture f;
  int& fills = f.fills;
  std::atomic<std::int64_t>& now_ms = f.now_ms;
  ScrapeRenderer& renderer = f.renderer;
  auto slow = renderer.Begin(milliseconds(0));
  ASSERT_NE(slow, nullptr);
  now_ms += 1;
  auto second = renderer.Begin(std::chrono::seconds(30));  // fills the spare after 30 ms
  ASSERT_NE(second, nullptr);
  const std::string newest_text = ReadAll(*second);
  ASSERT_EQ(renderer.snapshots(), 2u);
  second.reset();
  EXPECT_EQ(renderer.snapshots(), 2u) << "the slow reader still reads the other";
  slow.reset();
  EXPECT_EQ(renderer.snapshots(), 1u) << "no reader left: the spare is given back";

  auto after = renderer.Begin(milliseconds(0));  // arrived with the newest fill: reuses it
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(fills, 2);
  EXPECT_EQ(ReadAll(*after), newest_text) << "the newest snapshot is the one kept";
  after.reset();
  now_ms += 1;
  auto later = renderer.Begin(milliseconds(0));
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(fills, 3);
  EXPECT_EQ(renderer.snapshots(), 1u) << "refilled in place";
}

TEST(ScrapeRendererTest, AWaitingScrapeGetsTheSlotWhenItIsReleased) {
  ScrapeRenderer renderer([](DaemonSnapshot& out) { out = SnapshotOf(3, 1); }, 1, FixedProcess);
  auto holder = renderer.Begin(milliseconds(0));
  ASSERT_NE(holder, nullptr);
  std::thread releaser([&holder] {
    std::this_thread::sleep_for(milliseconds(50));
    holder.reset();
  });
  // Generous: the releaser lets go after 50 ms, however loaded the machine.
  auto waiter = renderer.Begin(std::chrono::seconds(30));
  releaser.join();
  EXPECT_NE(waiter, nullptr);
}

// Sixteen scrapers at once must not cost sixteen fills: a scrape that finds a snapshot taken
// at or after its own arrival renders from it; one taken earlier is refilled.
TEST(ScrapeRendererTest, AScrapeReusesASnapshotTakenAfterItArrivedAndRefillsAnOlderOne) {
  int fills = 0;
  SteadyTime now{std::chrono::seconds(10)};
  ScrapeRenderer renderer([&](DaemonSnapshot& out) { out = SnapshotOf(2, ++fills); }, 1,
                          FixedProcess, [&now] { return now; });
  auto first = renderer.Begin(milliseconds(0));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(fills, 1);
  const std::string first_text = ReadAll(*first);
  first.reset();
  auto second = renderer.Begin(milliseconds(0));  // arrived when the snapshot was taken
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(ReadAll(*second), first_text);
  second.reset();
  now += std::chrono::milliseconds(1);  // arrives after it: a fresh fill
  auto third = renderer.Begin(milliseconds(0));
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(fills, 2);
  EXPECT_NE(ReadAll(*third), first_text);
}

TEST(ScrapeRendererTest, AFillThatThrowsFailsItsScrapeAndKeepsTheSlot) {
  int fills = 0;
  ScrapeRenderer renderer(
      [&](DaemonSnapshot& out) {
        if (++fills == 1) throw std::runtime_error("out of memory, say");
        out = SnapshotOf(2, fills);
      },
      1, FixedProcess);
  EXPECT_THROW(renderer.Begin(milliseconds(0)), std::runtime_error);
  auto scrape = renderer.Begin(milliseconds(0));
  ASSERT_NE(scrape, nullptr) << "the slot was lost with the failed fill";
  EXPECT_EQ(fills, 2);
  const ProcessStats process = FixedProcess();
  EXPECT_EQ(ReadAll(*scrape), RenderMetricsText(SnapshotOf(2, 2), &process));
}

}  // namespace
}  // namespace latencyd

namespace latencyd {
namespace {

TEST(ScrapeRendererTest, PagesBuiltWholeBorrowAFreshSnapshotOrWaitForOne) {
  int fills = 0;
  ScrapeRenderer renderer([&](DaemonSnapshot& out) { out = SnapshotOf(2, ++fills); }, 1,
                          FixedProcess);
  auto names = [](const DaemonSnapshot& snapshot) {
    return snapshot.endpoints[0].name + "," + std::to_string(snapshot.endpoints[0].successes);
  };
  EXPECT_EQ(renderer.RenderWith(std::chrono::milliseconds(0), names), "ep0,1");
  auto scrape = renderer.Begin(std::chrono::milliseconds(0));
  EXPECT_EQ(renderer.RenderWith(std::chrono::milliseconds(20), names), std::nullopt)
      << "the only slot is busy";
  scrape.reset();
  EXPECT_EQ(renderer.RenderWith(std::chrono::milliseconds(0), names), "ep0,3");
}

}  // namespace
}  // namespace latencyd
