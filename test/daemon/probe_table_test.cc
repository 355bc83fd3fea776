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

TEST(ProbeTableTest, ConnectionFactsOfTheLastResponse) {
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
  probes::ProbeResult tls = Ok(microseconds(900));
  tls.http_version = "2";
  tls.tls_version = "TLSv1.3";
  tls.cert_not_after_unix = 1'800'000'000 + 30 * 86400;
  EXPECT_EQ(ConnectionFacts({Failed("x"), tls, Failed("y")}, now),
            "last response: HTTP/2, TLSv1.3 (full handshake), certificate expires "
            "2027-02-14T08:00:00Z (in 30 days)\n");
  tls.tls_session_reused = true;
  EXPECT_NE(ConnectionFacts({tls}, now).find("(session resumed)"), std::string::npos);
  probes::ProbeResult plain = Ok(microseconds(500));
  plain.http_version = "1.1";
  plain.connection_reused = true;
  EXPECT_EQ(ConnectionFacts({plain}, now),
            "last response: HTTP/1.1, reused connection (no handshake)\n");
  EXPECT_EQ(ConnectionFacts({Failed("refused")}, now), "");
}

}  // namespace
}  // namespace latencyd
