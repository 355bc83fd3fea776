// Table-driven tests of the duration and size grammar.
#include "config/units.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>

namespace latencyd::config {
namespace {

using std::chrono::nanoseconds;

struct DurationCase {
  const char* text;
  std::int64_t nanos;
};

TEST(ParseDurationTest, AcceptsGoStyleDurations) {
  const DurationCase cases[] = {
      {"0", 0},
      {"0s", 0},
      {"1ns", 1},
      {"250us", 250'000},
      {"250\xC2\xB5s", 250'000},
      {"250\xCE\xBCs", 250'000},
      {"5ms", 5'000'000},
      {"1s", 1'000'000'000},
      {"1.5s", 1'500'000'000},
      {".5s", 500'000'000},
      {"1.s", 1'000'000'000},
      {"1m30s", 90'000'000'000},
      {"1h", 3'600'000'000'000},
      {"1h2m3s4ms5us6ns", 3'723'004'005'006},
      {"0.1ms", 100'000},
      {"1.0000000001s", 1'000'000'000},  // beyond nanosecond resolution: truncated
      {"2562047h", 2562047LL * 3'600'000'000'000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = ParseDuration(c.text);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->count(), c.nanos);
  }
}

TEST(ParseDurationTest, RejectsBadDurations) {
  const char* cases[] = {
      "",    "5",  "s",   "1",   "-1s",   "+1s", "1 s",  "1S",  "1sec",     "1d",
      "1.5", ".s", "1s ", " 1s", "1..5s", "ms",  "1e3s", "1s1", "2562048h", "99999999999999999999s",
      "1,5s"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParseDuration(text).has_value());
  }
}

TEST(FormatDurationTest, FormatsCompactly) {
  const std::pair<std::int64_t, const char*> cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {250'000, "250us"},
      {1'500, "1.5us"},
      {5'000'000, "5ms"},
      {716'000, "716us"},
      {1'250'000, "1.25ms"},
      {1'000'000'000, "1s"},
      {1'500'000'000, "1.5s"},
      {90'000'000'000, "1m30s"},
      {3'600'000'000'000, "1h"},
      {3'601'000'000'000, "1h1s"},
      {300'000'000'000, "5m"},
  };
  for (const auto& [nanos, text] : cases) {
    EXPECT_EQ(FormatDuration(nanoseconds(nanos)), text);
    EXPECT_EQ(ParseDuration(text)->count(), nanos) << text;  // round trip
  }
}

TEST(ParseSizeTest, AcceptsSizes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"0", 0},
      {"512", 512},
      {"512B", 512},
      {"64KiB", 64 * 1024},
      {"64 KiB", 64 * 1024},
      {"1KB", 1000},
      {"1MiB", 1024 * 1024},
      {"1MB", 1'000'000},
      {"1GiB", 1024ULL * 1024 * 1024},
      {"2GB", 2'000'000'000},
  };
  for (const auto& [text, bytes] : cases) {
    SCOPED_TRACE(text);
    auto size = ParseSize(text);
    ASSERT_TRUE(size.has_value());
    EXPECT_EQ(*size, bytes);
  }
}

TEST(ParseSizeTest, RejectsBadSizes) {
  const char* cases[] = {"",
                         "B",
                         "1TB",
                         "1kb",
                         "1kib",
                         "1.5MiB",
                         "-1",
                         "1 MiB ",
                         "MiB",
                         "1M",
                         "1Mi",
                         "99999999999999999999",
                         "18446744073709551615GiB"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParseSize(text).has_value());
  }
}

TEST(FormatSizeTest, UsesLargestExactBinaryUnit) {
  EXPECT_EQ(FormatSize(0), "0B");
  EXPECT_EQ(FormatSize(1000), "1000B");
  EXPECT_EQ(FormatSize(64 * 1024), "64KiB");
  EXPECT_EQ(FormatSize(1024 * 1024), "1MiB");
  EXPECT_EQ(FormatSize(3ULL * 1024 * 1024 * 1024), "3GiB");
}

}  // namespace
}  // namespace latencyd::config
