// Tests of the one escaper and number formatter: each output format against a table of inputs,
// invalid UTF-8 replaced the same way everywhere, numbers exact and shortest.
#include "daemon/text/escape.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace latencyd {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
const std::string kFFFD = "\xEF\xBF\xBD";

struct Case {
  std::string input;
  std::string expected;
};

// Runs one escaper that appends over a table, on an output that already holds text (the
// escaper must append, not overwrite).
template <typename Append>
void ExpectAppends(Append append, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::string out = "|";
    append(out, c.input);
    EXPECT_EQ(out, "|" + c.expected) << "input: " << c.input;
  }
}

TEST(ValidUtf8Test, ReplacesEachInvalidByteAndKeepsValidSequences) {
  const std::vector<Case> cases = {
      {"ok \xC3\xA9", "ok \xC3\xA9"},
      {"bad \xFF end", "bad " + kFFFD + " end"},
      {"latin-1 c\xF6r", "latin-1 c" + kFFFD + "r"},
      {"overlong \xC0\xAF", "overlong " + kFFFD + kFFFD},
      {"surrogate \xED\xA0\x80", "surrogate " + kFFFD + kFFFD + kFFFD},
      {"truncated \xE2\x82", "truncated " + kFFFD + kFFFD},
      {"above U+10FFFF \xF4\x90\x80\x80", "above U+10FFFF " + kFFFD + kFFFD + kFFFD + kFFFD},
      {"stray continuation \x80", "stray continuation " + kFFFD},
      {"emoji \xF0\x9F\x98\x80", "emoji \xF0\x9F\x98\x80"},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(ValidUtf8(c.input), c.expected) << c.input;
}

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControls) {
  ExpectAppends(AppendJsonEscaped, {
                                       {"plain", "plain"},
                                       {"a\"b\\c", R"(a\"b\\c)"},
                                       {"<script>alert(1)</script>", "<script>alert(1)</script>"},
                                       {std::string("nl\n tab\t nul\0 bel\x07 del\x7f", 23),
                                        R"(nl\u000a tab\u0009 nul\u0000 bel\u0007 del\u007f)"},
                                       {"µs — ok", "µs — ok"},
                                       {"c\xF6r", "c" + kFFFD + "r"},
                                   });
  EXPECT_EQ(JsonString("a\"b"), R"("a\"b")");
  EXPECT_EQ(JsonString(""), R"("")");
}

TEST(HtmlEscapeTest, SafeInTextAndAttributes) {
  const std::vector<Case> cases = {
      {"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
      {"a & \"b\" \\ c", "a &amp; &quot;b&quot; \\ c"},
      {"tab\tnl\n", "tab\tnl\n"},
      {std::string("nul\0bel\x07"
                   "del\x7f",
                   12),
       "nul" + kFFFD + "bel" + kFFFD + "del" + kFFFD},
      {"bad \xFF utf8, good µs", "bad " + kFFFD + " utf8, good µs"},
  };
  for (const Case& c : cases) EXPECT_EQ(HtmlEscape(c.input), c.expected) << c.input;
}

TEST(PrometheusEscapeTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  ExpectAppends(AppendLabelValueEscaped, {
                                             {"plain", "plain"},
                                             {"a\\b\"c\nd", R"(a\\b\"c\nd)"},
                                             // Other control characters and valid UTF-8 pass
                                             // through, as prometheus-cpp writes them.
                                             {"tab\t cr\r µs", "tab\t cr\r µs"},
                                             {"c\xF6r", "c" + kFFFD + "r"},
                                         });
}

TEST(PrometheusEscapeTest, HelpEscapesBackslashAndNewlineOnly) {
  ExpectAppends(AppendHelpEscaped, {
                                       {"a\\b\nc \"d\"", R"(a\\b\nc "d")"},
                                       {"c\xF6r", "c" + kFFFD + "r"},
                                   });
}

TEST(LogfmtEscapeTest, QuotesOnlyWhatNeedsIt) {
  ExpectAppends(AppendLogfmtValue, {
                                       {"plone_info", "plone_info"},
                                       {"127.0.0.1:9470", "127.0.0.1:9470"},
                                       {"", R"("")"},
                                       {"probe failed", R"("probe failed")"},
                                       {"a=b", R"("a=b")"},
                                       {"a \"b\"\nc\r\td", R"("a \"b\"\nc\r\td")"},
                                       {std::string("nul\0", 4), R"("nul\u0000")"},
                                       {"back\\slash", R"("back\\slash")"},
                                       {"µs", "\"µs\""},
                                       {"c\xF6r", "\"c" + kFFFD + "r\""},
                                   });
}

TEST(NumberTest, JsonNumbersAreShortestAndExact) {
  EXPECT_EQ(JsonNumber(kNaN), "null");
  EXPECT_EQ(JsonNumber(kInf), "null");
  EXPECT_EQ(JsonNumber(-kInf), "null");
  EXPECT_EQ(JsonNumber(0.5), "0.5");
  EXPECT_EQ(JsonNumber(0.000716), "0.000716");
  EXPECT_EQ(JsonNumber(0), "0");
  EXPECT_EQ(JsonNumber(1732550000.25), "1732550000.25");
  EXPECT_EQ(JsonNumber(0.1 + 0.2), "0.30000000000000004");
  for (const double value : {1e-9, 0.1 + 0.2, 123456.789e-7, 2.0 / 3.0, 1e300, -5e-324}) {
    EXPECT_EQ(std::strtod(JsonNumber(value).c_str(), nullptr), value);
  }
}

TEST(NumberTest, GeneralAndFixedMatchPrintf) {
  for (const double value : {0.0, 50.0, 99.9, 99.99, 99.999, 1e-7, 123456.0, -2.5, 1e21}) {
    for (const int precision : {0, 1, 2, 4, 16}) {
      char expected[64];
      std::snprintf(expected, sizeof expected, "%.*g", precision, value);
      EXPECT_EQ(FormatGeneral(value, precision), expected) << value << " %." << precision << "g";
      std::snprintf(expected, sizeof expected, "%.*f", precision, value);
      EXPECT_EQ(FormatFixed(value, precision), expected) << value << " %." << precision << "f";
    }
  }
}

}  // namespace
}  // namespace latencyd
