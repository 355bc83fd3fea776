// The syntax rules of checks.h that have no fixture of their own: UTF-8 well-formedness.
#include "config/checks.h"

#include <gtest/gtest.h>

#include <string>

namespace latencyd::config {
namespace {

struct Utf8Case {
  const char* name;
  std::string text;
  const char* problem;  // nullptr: valid
};

void PrintTo(const Utf8Case& c, std::ostream* os) { *os << c.name; }

class Utf8Test : public testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8Test, Checks) {
  const Utf8Case& c = GetParam();
  auto problem = CheckUtf8(c.text);
  if (c.problem == nullptr) {
    EXPECT_FALSE(problem.has_value()) << *problem;
  } else {
    ASSERT_TRUE(problem.has_value());
    EXPECT_EQ(*problem, c.problem);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Utf8Test,
    testing::Values(
        Utf8Case{"ascii", "payments", nullptr}, Utf8Case{"empty", "", nullptr},
        Utf8Case{"two_bytes", "\xc3\xa9quipe", nullptr},
        Utf8Case{"three_bytes", "\xe2\x82\xac", nullptr},
        Utf8Case{"four_bytes", "\xf0\x9f\x98\x80", nullptr},
        Utf8Case{"max_code_point", "\xf4\x8f\xbf\xbf", nullptr},
        Utf8Case{"lone_continuation", "a\x80", "not valid UTF-8 (byte 0x80 at offset 1)"},
        Utf8Case{"latin1", "caf\xe9", "not valid UTF-8 (byte 0xe9 at offset 3)"},
        Utf8Case{"truncated", "\xe2\x82", "not valid UTF-8 (byte 0xe2 at offset 0)"},
        Utf8Case{"overlong_slash", "\xc0\xaf", "not valid UTF-8 (byte 0xc0 at offset 0)"},
        Utf8Case{"overlong_three", "\xe0\x80\xaf", "not valid UTF-8 (byte 0xe0 at offset 0)"},
        Utf8Case{"surrogate", "\xed\xa0\x80", "not valid UTF-8 (byte 0xed at offset 0)"},
        Utf8Case{"past_max", "\xf4\x90\x80\x80", "not valid UTF-8 (byte 0xf4 at offset 0)"},
        Utf8Case{"ff", "x\xff", "not valid UTF-8 (byte 0xff at offset 1)"}),
    [](const testing::TestParamInfo<Utf8Case>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(CheckUrlTest, RawBytesAreRefusedWithoutEchoingThem) {
  auto problem = CheckUrl("http://127.0.0.1/caf\xe9");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(*problem,
            "URL is not valid UTF-8 (byte 0xe9 at offset 20); percent-encode raw bytes (e.g. %FF)");
  EXPECT_FALSE(CheckUrl("http://127.0.0.1/caf%C3%A9").has_value());
}

}  // namespace
}  // namespace latencyd::config
