#include "daemon/log.h"

#include <gtest/gtest.h>

namespace latencyd::log {
namespace {

TEST(LogTest, LogfmtQuotesOnlyWhatNeedsIt) {
  std::string line = Render(Format::kLogfmt, "2026-01-02T03:04:05.000Z", Level::kWarn,
                            "probe failed", {{"endpoint", "plone_info"}, {"err", "a \"b\"\nc"}});
  EXPECT_EQ(line,
            "ts=2026-01-02T03:04:05.000Z level=warn msg=\"probe failed\" endpoint=plone_info "
            "err=\"a \\\"b\\\"\\nc\"\n");
}

TEST(LogTest, JsonIsOneObjectPerLine) {
  std::string line = Render(Format::kJson, "T", Level::kInfo, "started", {{"port", "9470"}});
  EXPECT_EQ(line, "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"started\",\"port\":\"9470\"}\n");
}

TEST(LogTest, JsonEscapesControlCharacters) {
  std::string line = Render(Format::kJson, "T", Level::kError, "x", {{"err", "\x01\\"}});
  EXPECT_NE(line.find("\"err\":\"\\u0001\\\\\""), std::string::npos) << line;
}

TEST(LogTest, RawBytesBecomeReplacementCharactersInBothFormats) {
  EXPECT_EQ(Render(Format::kJson, "T", Level::kError, "x", {{"err", "class \"c\xf6r\""}}),
            "{\"ts\":\"T\",\"level\":\"error\",\"msg\":\"x\","
            "\"err\":\"class \\\"c\xef\xbf\xbdr\\\"\"}\n");
  EXPECT_EQ(Render(Format::kLogfmt, "T", Level::kError, "x", {{"class", "c\xf6r"}}),
            "ts=T level=error msg=x class=\"c\xef\xbf\xbdr\"\n");
}

TEST(LogTest, ParsesLevelsAndFormats) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  Format format = Format::kLogfmt;
  EXPECT_TRUE(ParseFormat("json", &format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &format));
}

TEST(LogTest, LevelFilter) {
  Configure(Level::kWarn, Format::kLogfmt);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Configure(Level::kInfo, Format::kLogfmt);
  EXPECT_TRUE(Enabled(Level::kInfo));
}

}  // namespace
}  // namespace latencyd::log
