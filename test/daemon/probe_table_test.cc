// The probe command's table: columns aligned by display width, failures summarised.
#include "daemon/probe_table.h"

#include <gtest/gtest.h>

namespace latencyd {
namespace {

using std::chrono::microseconds;

probes::ProbeResult Ok(microseconds total) {
  probes::ProbeResult r;
  r.ok = true;
  r.reason = probes::FailureReason::kNone;
  r.http_status = 200;
  r.total = total;
  r.phases.connect = total / 2;
  r.phases.ttfb = total - total / 2;
  return r;
}

probes::ProbeResult Failed(const std::string& error) {
  probes::ProbeResult r;
  r.reason = probes::FailureReason::kConnect;
  r.error = error;
  return r;
}

TEST(ProbeTableTest, ColumnsAlignWhateverTheUnit) {
  EXPECT_EQ(DisplayWidth("716µs"), 5u);
  EXPECT_EQ(DisplayWidth("1.94ms"), 6u);
  std::string micro = ProbeTableRow(1, Ok(microseconds(716)));
  std::string milli = ProbeTableRow(2, Ok(microseconds(1940)));
  EXPECT_EQ(DisplayWidth(micro), DisplayWidth(milli)) << micro << milli;
  EXPECT_EQ(DisplayWidth(micro), DisplayWidth(ProbeTableHeader())) << micro;
  EXPECT_NE(micro.find("     716µs"), std::string::npos) << micro;  // 10 wide
}

TEST(ProbeTableTest, QuantilesOfTheSuccessfulProbes) {
  std::string summary = ProbeSummary({Ok(microseconds(500)), Failed("refused")});
  EXPECT_NE(summary.find("successful probes (1), exact quantiles:"), std::string::npos);
  EXPECT_NE(summary.find("     total     500µs"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\n2 probes: 1 ok, 1 failed\n"), std::string::npos) << summary;
}

TEST(ProbeTableTest, AllFailedListsEachFailureOnceInsteadOfAnEmptyTable) {
  std::string summary = ProbeSummary({Failed("refused"), Failed("refused"), Failed("reset")});
  EXPECT_EQ(summary,
            "\nno probe succeeded:\n"
            "  connect: refused (x2)\n"
            "  connect: reset\n"
            "3 probes: 0 ok, 3 failed\n");
}

TEST(ProbeTableTest, FailedRowNamesTheReason) {
  std::string row = ProbeTableRow(3, Failed("Couldn't connect to server"));
  EXPECT_NE(row.find("  FAILED connect: Couldn't connect to server\n"), std::string::npos) << row;
  EXPECT_NE(row.find("         -"), std::string::npos) << row;  // no status, not "0"
}

}  // namespace
}  // namespace latencyd
