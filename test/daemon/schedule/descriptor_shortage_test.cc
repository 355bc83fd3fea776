// The out-of-descriptors counter and its log rate limit, with time as a parameter.
#include "daemon/schedule/descriptor_shortage.h"

#include <gtest/gtest.h>

namespace latencyd {
namespace {

using std::chrono::seconds;

TEST(DescriptorShortageTest, CountsEverySkipAndLogsAtMostOncePerPeriod) {
  DescriptorShortage shortage;
  const SteadyTime t0{seconds(1000)};
  std::uint64_t since_last = 0;
  EXPECT_TRUE(shortage.Record(t0, &since_last));  // the first one is always logged
  EXPECT_EQ(since_last, 1u);
  EXPECT_FALSE(shortage.Record(t0 + seconds(1), &since_last));
  EXPECT_FALSE(shortage.Record(t0 + seconds(9), &since_last));
  EXPECT_TRUE(shortage.Record(t0 + DescriptorShortage::kLogEvery, &since_last));
  EXPECT_EQ(since_last, 3u);  // the two held back, and this one
  EXPECT_EQ(shortage.total(), 4u);
}

}  // namespace
}  // namespace latencyd
