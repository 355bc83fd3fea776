// Reason and phase names (label values of the README's "Metrics" section) and PreparedProbe's
// compiled regex.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "probes/probe_engine.h"

namespace latencyd::probes {
namespace {

TEST(NamesTest, ReasonNamesAreTheSpecLabels) {
  std::vector<std::string> names;
  for (FailureReason r : AllFailureReasons()) names.emplace_back(ReasonName(r));
  EXPECT_EQ(names,
            (std::vector<std::string>{"timeout", "dns", "connect", "tls", "status", "body_mismatch",
                                      "too_large", "reset", "redirect", "other"}));
  EXPECT_EQ(ReasonName(FailureReason::kNone), "");
  EXPECT_EQ(AllFailureReasons().size() + 1, static_cast<std::size_t>(kFailureReasonCount));
}

TEST(NamesTest, PhaseNamesAndAccessor) {
  PhaseTimings p;
  p.dns = std::chrono::nanoseconds(1);
  p.connect = std::chrono::nanoseconds(2);
  p.tls = std::chrono::nanoseconds(3);
  p.ttfb = std::chrono::nanoseconds(4);
  p.transfer = std::chrono::nanoseconds(5);
  const char* expected[] = {"dns", "connect", "tls", "ttfb", "transfer"};
  for (int i = 0; i < kPhaseCount; ++i) {
    EXPECT_EQ(PhaseName(i), expected[i]);
    EXPECT_EQ(PhaseAt(p, i), std::chrono::nanoseconds(i + 1));
  }
  EXPECT_EQ(PhaseName(kPhaseCount), "");
  EXPECT_EQ(PhaseAt(p, -1), std::chrono::nanoseconds(0));
}

ProbeSpec WithRegex(const std::string& regex) {
  ProbeSpec spec;
  spec.url = "http://127.0.0.1/";
  spec.body_regex = regex;
  return spec;
}

TEST(PreparedProbeTest, RegexIsSearchedAnywhere) {
  PreparedProbe p(WithRegex("\"status\":\\s*\"ok\""));
  EXPECT_TRUE(p.BodyMatches("{\"a\":1, \"status\": \"ok\"}"));
  EXPECT_FALSE(p.BodyMatches("{\"status\": \"down\"}"));
  PreparedProbe none(WithRegex(""));
  EXPECT_TRUE(none.BodyMatches("anything"));
}

TEST(PreparedProbeTest, BackReferencesStillWork) {
  PreparedProbe p(WithRegex("(ab)\\1"));
  EXPECT_TRUE(p.BodyMatches("xxababyy"));
  EXPECT_FALSE(p.BodyMatches("xxabyy"));
}

TEST(PreparedProbeTest, InvalidRegexThrowsInvalidArgument) {
  EXPECT_THROW(PreparedProbe(WithRegex("(unclosed")), std::invalid_argument);
}

TEST(PreparedProbeTest, MegabyteBodyDoesNotExhaustTheStack) {
  PreparedProbe p(WithRegex("^.*end$"));
  std::string body(1 << 20, 'x');
  EXPECT_FALSE(p.BodyMatches(body));
  EXPECT_TRUE(p.BodyMatches(body + "end"));
}

}  // namespace
}  // namespace latencyd::probes
