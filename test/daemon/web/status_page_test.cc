// Tests of the HTML status page: states, escaping of hostile text, units, sort order.
#include "daemon/web/status_page.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "daemon/web/endpoint_health.h"

namespace latencyd {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

EndpointSnapshot Endpoint(const std::string& name, bool has_result, bool last_success,
                          bool breached) {
  EndpointSnapshot e;
  e.name = name;
  e.class_name = "core";
  e.has_result = has_result;
  e.last_success = last_success;
  e.breached = breached;
  e.window_samples = has_result ? 10 : 0;
  e.threshold_seconds = 0.005;
  e.threshold_quantile = 0.5;
  return e;
}

// The text of the first <tr> whose cells mention `name`.
std::string RowOf(const std::string& html, const std::string& name) {
  const std::size_t at = html.find("<td>" + name + "</td>");
  if (at == std::string::npos) return "";
  const std::size_t start = html.rfind("<tr", at);
  return html.substr(start, html.find("</tr>", at) - start);
}

TEST(StatusPageTest, LabelsQuantiles) {
  EXPECT_EQ(QuantileLabel(0.5), "p50");
  EXPECT_EQ(QuantileLabel(0.9), "p90");
  EXPECT_EQ(QuantileLabel(0.99), "p99");
  EXPECT_EQ(QuantileLabel(0.999), "p99.9");
}

TEST(StatusPageTest, ShowsStatesWorstFirst) {
  DaemonSnapshot snapshot;
  snapshot.endpoints = {
      Endpoint("a_ok", true, true, false), Endpoint("b_nodata", false, false, false),
      Endpoint("c_breached", true, true, true), Endpoint("d_failing", true, false, false)};
  const std::string html = RenderStatusPage(snapshot);
  const std::size_t failing = html.find("<td>d_failing</td>");
  const std::size_t breached = html.find("<td>c_breached</td>");
  const std::size_t no_data = html.find("<td>b_nodata</td>");
  const std::size_t ok = html.find("<td>a_ok</td>");
  ASSERT_NE(ok, std::string::npos);
  EXPECT_LT(failing, breached);
  EXPECT_LT(breached, no_data);
  EXPECT_LT(no_data, ok);
  EXPECT_NE(RowOf(html, "d_failing").find(">FAILING<"), std::string::npos);
  EXPECT_NE(RowOf(html, "c_breached").find(">BREACHED<"), std::string::npos);
  EXPECT_NE(RowOf(html, "b_nodata").find(">NO DATA<"), std::string::npos);
  EXPECT_NE(RowOf(html, "a_ok").find(">OK<"), std::string::npos);
  EXPECT_NE(html.find("4 endpoints: 1 failing, 1 breached, 1 no data, 1 ok"), std::string::npos);
}

TEST(StatusPageTest, ShowsQuantilesThresholdAndCounts) {
  DaemonSnapshot snapshot;
  EndpointSnapshot e = Endpoint("main_root", true, true, false);
  e.class_name = "async";
  e.labels = {{"service", "demo"}};
  e.duration.quantiles = {{0.5, 0.000716}, {0.9, 0.00194}, {0.95, kNaN}, {0.99, 0.503}};
  e.threshold_seconds = 0.1;
  e.threshold_quantile = 0.9;
  e.successes = 120;
  e.failures = 4;
  e.last_http_status = 200;
  snapshot.endpoints = {e};
  const std::string html = RenderStatusPage(snapshot);
  for (const char* header : {"<th>p50</th>", "<th>p90</th>", "<th>p95</th>", "<th>p99</th>"}) {
    EXPECT_NE(html.find(header), std::string::npos) << header;
  }
  const std::string row = RowOf(html, "main_root");
  for (const char* cell : {"<td>async</td>", "service=demo", ">716µs<", ">1.94ms<", ">-<",
                           ">503ms<", ">100ms @ p90<", ">120<", ">4<", ">200<"}) {
    EXPECT_NE(row.find(cell), std::string::npos) << cell << " in " << row;
  }
}

TEST(StatusPageTest, ShowsSinceWhenTheVerdictHoldsAndItsEvidence) {
  DaemonSnapshot snapshot;
  EndpointSnapshot judged = Endpoint("judged", true, true, true);
  judged.breached_since_seconds = 1732550000;  // 2024-11-25 15:53:20 UTC
  judged.breach_evidence = 0.8;
  snapshot.endpoints = {judged, Endpoint("fresh", false, false, false)};
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_NE(RowOf(html, "judged").find("breached since 2024-11-25 15:53:20 UTC"), std::string::npos)
      << RowOf(html, "judged");
  EXPECT_NE(RowOf(html, "judged").find("80% of recent samples above"), std::string::npos);
  EXPECT_NE(html.find("<th>Verdict</th>"), std::string::npos);
}

TEST(StatusPageTest, EscapesHostileEndpointData) {
  DaemonSnapshot snapshot;
  snapshot.version = "<b>v</b>";
  snapshot.revision = "\"rev\"";
  EndpointSnapshot e = Endpoint("<script>alert(1)</script>", true, false, false);
  e.class_name = "core\"><img src=x>";
  e.labels = {{"team", "'quoted' & <tag>"}};
  e.last_reason = "status";
  e.last_error = "HTTP 500: <html>\"\\ \x01 \xFF</html>";
  snapshot.endpoints = {e};
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<html>\""), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("core&quot;&gt;&lt;img src=x&gt;"), std::string::npos);
  EXPECT_NE(html.find("team=&#39;quoted&#39; &amp; &lt;tag&gt;"), std::string::npos);
  EXPECT_NE(html.find("<b>status</b> HTTP 500: &lt;html&gt;&quot;\\ \xEF\xBF\xBD \xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_NE(html.find("version &lt;b&gt;v&lt;/b&gt; (revision &quot;rev&quot;)"),
            std::string::npos);
}

TEST(StatusPageTest, GreysOutAnErrorFollowedBySuccesses) {
  DaemonSnapshot snapshot;
  EndpointSnapshot e = Endpoint("recovered", true, true, false);
  e.last_error = "connection refused";
  snapshot.endpoints = {e};
  EXPECT_NE(RenderStatusPage(snapshot).find("<span class=\"old\">earlier: connection refused"),
            std::string::npos);
}

TEST(StatusPageTest, ShowsReloadStateAndIsSelfContained) {
  DaemonSnapshot snapshot;
  snapshot.last_reload_successful = false;
  snapshot.last_reload_success_timestamp_seconds = 1700000000;
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("last reload FAILED"), std::string::npos);
  EXPECT_NE(html.find("2023-11-14 22:13:20 UTC"), std::string::npos);
  EXPECT_NE(html.find("No endpoints configured."), std::string::npos);
  // No external assets: no scripts, stylesheets or images are fetched.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(RenderStatusPage(DaemonSnapshot{}).find("FAILED"), std::string::npos);
}

}  // namespace
}  // namespace latencyd

namespace latencyd {
namespace {

TEST(StatusPageTest, ShowsTheJudgedDurationAndConnectionFacts) {
  DaemonSnapshot snapshot;
  EndpointSnapshot e = Endpoint("api", true, true, false);
  e.judge = "ttfb";
  e.judged_seconds = 0.002;
  e.http_version = "2";
  e.tls_version = "TLSv1.3";
  e.cert_not_after_unix = 1767225600;
  snapshot.endpoints = {e};
  const std::string row = RowOf(RenderStatusPage(snapshot), "api");
  EXPECT_NE(row.find("2.00ms ttfb"), std::string::npos) << row;
  EXPECT_NE(row.find("HTTP/2 · TLSv1.3 · cert until 2026-01-01 00:00:00 UTC"), std::string::npos)
      << row;
}

}  // namespace
}  // namespace latencyd
