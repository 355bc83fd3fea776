// The sustained share of the configured probe rate over the last minute and its log lines,
// with time as a parameter.
#include "daemon/schedule/sustained_rate.h"

#include <gtest/gtest.h>

namespace latencyd {
namespace {

using std::chrono::seconds;

const SteadyTime kT0{seconds(1000)};

TEST(SustainedRateTest, IsOneWhenNothingWasDue) {
  SustainedRate rate;
  EXPECT_DOUBLE_EQ(rate.Ratio(kT0), 1.0);
}

TEST(SustainedRateTest, CountsSkipsAgainstWhatWasDueOverTheLastMinute) {
  SustainedRate rate;
  for (int s = 0; s < 10; ++s) rate.Record(kT0 + seconds(s), 90, 10);
  EXPECT_NEAR(rate.Ratio(kT0 + seconds(9)), 0.9, 1e-12);
  // A minute on, the overloaded seconds have left the window.
  for (int s = 10; s < 75; ++s) rate.Record(kT0 + seconds(s), 100, 0);
  EXPECT_DOUBLE_EQ(rate.Ratio(kT0 + seconds(74)), 1.0);
}

TEST(SustainedRateTest, QuietSecondsAreNotCounted) {
  SustainedRate rate;
  rate.Record(kT0, 1, 1);
  EXPECT_NEAR(rate.Ratio(kT0 + seconds(59)), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(rate.Ratio(kT0 + seconds(60)), 1.0);  // out of the window
}

TEST(SustainedRateTest, WarnsOnceWhenShortRepeatsRarelyAndSaysWhenBack) {
  SustainedRate rate;
  EXPECT_FALSE(rate.Record(kT0, 50, 50));  // the first second is judged when it is complete
  auto first = rate.Record(kT0 + seconds(1), 50, 50);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->overloaded);
  EXPECT_NEAR(first->ratio, 0.5, 1e-12);
  EXPECT_EQ(first->skipped, 50u);
  for (int s = 2; s < 60; ++s) EXPECT_FALSE(rate.Record(kT0 + seconds(s), 50, 50)) << s;
  auto again = rate.Record(kT0 + seconds(61), 50, 50);  // kLogEvery after the first line
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->overloaded);
  // Back to the full rate: the line comes once the last minute is above kWarnBelow again.
  bool recovered = false;
  for (int s = 62; s < 200 && !recovered; ++s) {
    auto notice = rate.Record(kT0 + seconds(s), 100, 0);
    if (notice) {
      EXPECT_FALSE(notice->overloaded);
      EXPECT_GE(notice->ratio, SustainedRate::kWarnBelow);
      recovered = true;
    }
  }
  EXPECT_TRUE(recovered);
}

TEST(SustainedRateTest, ManyRecordsInOneSecondJudgeOnce) {
  SustainedRate rate;
  rate.Record(kT0, 0, 1);
  int lines = 0;
  for (int i = 0; i < 1000; ++i) lines += rate.Record(kT0 + seconds(1), 0, 1).has_value();
  EXPECT_EQ(lines, 1);
}

}  // namespace
}  // namespace latencyd
