#include "daemon/schedule/schedule_math.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "daemon/schedule/scheduler.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kEpoch = SteadyTime(seconds(1000));

TEST(StableHashTest, MatchesPublishedFnv1aVectors) {
  // Test vectors of the FNV-1a 64-bit reference implementation; the hash is part of the
  // contract (phases, sharding) and must never change.
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(StableHash("foobar"), 0x85944171f73967e8ull);
}

TEST(PhaseOffsetTest, IsInsideTheIntervalAndStable) {
  for (int i = 0; i < 1000; ++i) {
    std::string name = "endpoint_" + std::to_string(i);
    Duration offset = PhaseOffset(name, seconds(1));
    EXPECT_GE(offset, Duration::zero());
    EXPECT_LT(offset, seconds(1));
    EXPECT_EQ(offset, PhaseOffset(name, seconds(1)));
  }
}

TEST(PhaseOffsetTest, SpreadsTenThousandEndpointsOverTheInterval) {
  // 100 buckets of 10 ms over 1 s: with 10k names each bucket should get about 100.
  int buckets[100] = {};
  for (int i = 0; i < 10000; ++i) {
    Duration offset = PhaseOffset("svc-" + std::to_string(i), seconds(1));
    ++buckets[offset / milliseconds(10)];
  }
  for (int count : buckets) {
    EXPECT_GT(count, 50);
    EXPECT_LT(count, 150);
  }
}

struct FirstDueCase {
  int offset_ms;
  int interval_ms;
  int now_ms;  // relative to the epoch
  int want_ms;
};

TEST(FirstDueAtOrAfterTest, Table) {
  const FirstDueCase cases[] = {
      {300, 1000, 0, 300},      // before the first slot
      {300, 1000, 300, 300},    // exactly on it
      {300, 1000, 301, 1300},   // just after: the next slot
      {300, 1000, 5300, 5300},  // far later, on a slot
      {300, 1000, 5299, 5300}, {0, 250, 1001, 1250},
  };
  for (const auto& c : cases) {
    SteadyTime got =
        FirstDueAtOrAfter(kEpoch, milliseconds(c.offset_ms), milliseconds(c.interval_ms),
                          kEpoch + milliseconds(c.now_ms));
    EXPECT_EQ(got, kEpoch + milliseconds(c.want_ms))
        << "offset " << c.offset_ms << " interval " << c.interval_ms << " now " << c.now_ms;
  }
}

struct NextDueCase {
  int due_ms;
  int interval_ms;
  int now_ms;
  int want_ms;
  std::uint64_t want_missed;
};

TEST(NextDueTest, FixedRateAndSkipsOnlySlotsWhoseIntervalIsPast) {
  const NextDueCase cases[] = {
      {0, 1000, 0, 1000, 0},     // on time
      {0, 1000, 40, 1000, 0},    // late start does not shift the grid
      {0, 1000, 999, 1000, 0},   // very late, next slot still ahead
      {0, 1000, 1000, 1000, 0},  // next slot due right now: run it, do not skip it
      // A probe that overran a little (its deadline, a busy loop): the next slot starts late
      // instead of being lost; the engine decides whether enough of its timeout is left.
      {0, 1000, 1001, 1000, 0},
      {0, 1000, 1999, 1000, 0},
      {0, 1000, 2000, 2000, 1},  // the slot at 1000 had its whole interval pass
      {0, 1000, 3500, 3000, 2},  // 1000 and 2000 passed; 3000 is still running
  };
  for (const auto& c : cases) {
    std::uint64_t missed = 99;
    SteadyTime got = NextDue(kEpoch + milliseconds(c.due_ms), milliseconds(c.interval_ms),
                             kEpoch + milliseconds(c.now_ms), &missed);
    EXPECT_EQ(got, kEpoch + milliseconds(c.want_ms)) << "now " << c.now_ms;
    EXPECT_EQ(missed, c.want_missed) << "now " << c.now_ms;
  }
}

TEST(NextDueTest, DoesNotDriftOverManyPeriods) {
  SteadyTime due = kEpoch + milliseconds(123);
  std::uint64_t missed = 0;
  for (int i = 0; i < 10000; ++i) {
    // Each probe starts a little late; the grid must stay put.
    due = NextDue(due, milliseconds(100), due + milliseconds(7), &missed);
    ASSERT_EQ(missed, 0u);
  }
  EXPECT_EQ(due, kEpoch + milliseconds(123) + milliseconds(100) * 10000);
}

TEST(ProbeDeadlineTest, EndsJustBeforeTheNextSlot) {
  EXPECT_EQ(ProbeDeadline(kEpoch, seconds(1)), kEpoch + milliseconds(990));
  EXPECT_EQ(ProbeDeadline(kEpoch, milliseconds(50)), kEpoch + milliseconds(45));
  EXPECT_EQ(ProbeDeadline(kEpoch, milliseconds(1)), kEpoch + std::chrono::microseconds(900));
}

}  // namespace
}  // namespace latencyd
