#include "daemon/text/human_units.h"

#include <gtest/gtest.h>

#include <cmath>

namespace latencyd {
namespace {

TEST(FormatSecondsTest, PicksAReadableUnit) {
  EXPECT_EQ(FormatSeconds(0.000716), "716µs");
  EXPECT_EQ(FormatSeconds(0.00194), "1.94ms");
  EXPECT_EQ(FormatSeconds(0.0153), "15.3ms");
  EXPECT_EQ(FormatSeconds(0.503), "503ms");
  EXPECT_EQ(FormatSeconds(2.5), "2.50s");
  EXPECT_EQ(FormatSeconds(0), "0");
  EXPECT_EQ(FormatSeconds(std::nan("")), "-");
}

TEST(FormatUtcTest, WritesUtcWallClockTimes) {
  EXPECT_EQ(FormatUtc(1'764'463'009.75), "2025-11-30 00:36:49 UTC");
  EXPECT_EQ(FormatUtc(0), "never");
  EXPECT_EQ(FormatIsoUtc(1'764'463'009.75), "2025-11-30T00:36:49Z");
}

}  // namespace
}  // namespace latencyd
