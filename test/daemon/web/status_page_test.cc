// Tests of the HTML status page: states, escaping of hostile text, units, sort order, history,
// filters and pages.
#include "daemon/web/status_page.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "daemon/web/endpoint_filter.h"
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

// The text of the <tr> whose name cell is `name` (already escaped).
std::string RowOf(const std::string& html, const std::string& name) {
  const std::size_t at = html.find("<div class=\"name\">" + name + "</div>");
  if (at == std::string::npos) return "";
  const std::size_t start = html.rfind("<tr", at);
  return html.substr(start, html.find("</tr>", at) - start);
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

constexpr double kNow = 1'700'000'400;

TEST(StatusPageTest, LabelsQuantiles) {
  EXPECT_EQ(QuantileLabel(0.5), "p50");
  EXPECT_EQ(QuantileLabel(0.9), "p90");
  EXPECT_EQ(QuantileLabel(0.99), "p99");
  EXPECT_EQ(QuantileLabel(0.999), "p99.9");
}

TEST(StatusPageTest, ShowsStatesWorstFirstWithCountsOnTop) {
  DaemonSnapshot snapshot;
  snapshot.endpoints = {
      Endpoint("a_ok", true, true, false), Endpoint("b_nodata", false, false, false),
      Endpoint("c_breached", true, true, true), Endpoint("d_failing", true, false, false)};
  const std::string html = RenderStatusPage(snapshot);
  const std::size_t failing = html.find(">d_failing<");
  const std::size_t breached = html.find(">c_breached<");
  const std::size_t no_data = html.find(">b_nodata<");
  const std::size_t ok = html.find(">a_ok<");
  ASSERT_NE(ok, std::string::npos);
  EXPECT_LT(failing, breached);
  EXPECT_LT(breached, no_data);
  EXPECT_LT(no_data, ok);
  // The state is written out, not only coloured.
  EXPECT_NE(RowOf(html, "d_failing").find(" FAILING</span>"), std::string::npos);
  EXPECT_NE(RowOf(html, "c_breached").find(" BREACHED</span>"), std::string::npos);
  EXPECT_NE(RowOf(html, "b_nodata").find(" NO DATA</span>"), std::string::npos);
  EXPECT_NE(RowOf(html, "a_ok").find(" OK</span>"), std::string::npos);
  for (const char* count :
       {"<b>4</b> endpoints", "href=\"?state=failing\"><b>1</b> failing",
        "href=\"?state=breached\"><b>1</b> breached", "<b>1</b> no data", "<b>1</b> ok"}) {
    EXPECT_NE(html.find(count), std::string::npos) << count;
  }
  EXPECT_LT(html.find("<b>1</b> failing"), html.find("<table"));
}

TEST(StatusPageTest, ShowsJudgedValueAgainstTheThreshold) {
  DaemonSnapshot snapshot;
  snapshot.generated_at_seconds = kNow;
  EndpointSnapshot e = Endpoint("main_root", true, true, true);
  e.class_name = "async";
  e.labels = {{"service", "demo"}};
  e.url = "https://REDACTED@api.example/x?token=REDACTED";
  e.duration.quantiles = {{0.5, 0.000716}, {0.9, 0.144}, {0.95, kNaN}, {0.99, 0.503}};
  e.threshold_seconds = 0.1;
  e.threshold_quantile = 0.9;
  e.judged_seconds = 0.144;
  e.breached_since_seconds = kNow - 330;
  e.successes = 120;
  e.failures = 4;
  e.last_http_status = 200;
  e.last_probe_timestamp_seconds = kNow - 12;
  e.uptime_ratio_24h = 120.0 / 124;
  snapshot.endpoints = {e};
  const std::string row = RowOf(RenderStatusPage(snapshot), "main_root");
  for (const char* cell :
       {"<span class=\"class\">async</span>", "service=demo",
        "https://REDACTED@api.example/x?token=REDACTED", "<span class=\"q\">p90</span>",
        "<b class=\"value\">144ms</b>", "limit <span class=\"threshold\">100ms</span>",
        "1.44&times; (+44.0ms)", "breached for <span data-at=\"1700000070\">5 min</span>",
        "<span data-at=\"1700000388\">12 s</span> ago &middot; HTTP 200", "96.77 % up in 24 h",
        "p50 716µs &middot; p90 144ms &middot; p95 - &middot; p99 503ms", "120 ok", "4 failed"}) {
    EXPECT_NE(row.find(cell), std::string::npos) << cell << " in " << row;
  }
}

TEST(StatusPageTest, ShowsTheEvidenceBehindTheVerdict) {
  DaemonSnapshot snapshot;
  EndpointSnapshot judged = Endpoint("judged", true, true, true);
  judged.verdict_since_seconds = 1732550000;
  judged.breach_evidence = 0.8;
  snapshot.endpoints = {judged, Endpoint("fresh", false, false, false)};
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_NE(RowOf(html, "judged").find("80% of recent samples above"), std::string::npos)
      << RowOf(html, "judged");
  EXPECT_EQ(RowOf(html, "fresh").find("of recent samples above"), std::string::npos);
}

TEST(StatusPageTest, ShowsHowFarUnderTheThreshold) {
  DaemonSnapshot snapshot;
  EndpointSnapshot e = Endpoint("quick", true, true, false);
  e.threshold_seconds = 0.5;
  e.judged_seconds = 0.0019;
  EndpointSnapshot f = Endpoint("close", true, true, false);
  f.judged_seconds = 0.0031;
  snapshot.endpoints = {e, f};
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_NE(RowOf(html, "quick").find("&#x25BD; 0.0038&times; (&minus;498ms)"), std::string::npos)
      << RowOf(html, "quick");
  EXPECT_NE(RowOf(html, "close").find("&#x25BD; 0.62&times; (&minus;1.90ms)"), std::string::npos);
}

TEST(StatusPageTest, DrawsTheHistory) {
  DaemonSnapshot snapshot;
  EndpointSnapshot e = Endpoint("drawn", true, true, false);
  e.threshold_seconds = 0.005;
  // Three buckets: 2 ms, nothing, 10 ms and breached with a failure.
  HistoryBucket b;
  b.start_unix_seconds = 1'700'000'100;
  b.median_seconds = 0.002;
  b.successes = 300;
  e.history.push_back(b);
  e.history.push_back(HistoryBucket{1'700'000'400});
  b.start_unix_seconds = 1'700'000'700;
  b.median_seconds = 0.010;
  b.failures = 1;
  b.breached = true;
  e.history.push_back(b);
  snapshot.endpoints = {e};
  const std::string row = RowOf(RenderStatusPage(snapshot), "drawn");
  // The scale tops at the 10 ms median: 2 ms sits at 80 % down, the 5 ms threshold half-way.
  EXPECT_NE(row.find("<path class=\"median\" d=\"M285 30.8h1M287 2.0h1\""), std::string::npos)
      << row;
  EXPECT_NE(row.find("class=\"limit\" x1=\"0\" x2=\"288\" y1=\"20.0\" y2=\"20.0\""),
            std::string::npos);
  EXPECT_NE(row.find("<rect class=\"c-ok\" x=\"285\" width=\"1\""), std::string::npos);
  EXPECT_NE(row.find("<rect class=\"c-somefailed\" x=\"287\" width=\"1\""), std::string::npos);
  EXPECT_NE(row.find("<span class=\"sr\">24 h medians 2.00ms to 10.0ms, limit 5.00ms. </span>"),
            std::string::npos);
}

TEST(StatusPageTest, FiltersByStateAndClassAndPaginates) {
  DaemonSnapshot snapshot;
  for (int i = 0; i < 250; ++i) {
    EndpointSnapshot e = Endpoint("ep" + std::to_string(1000 + i), true, i % 2 == 0, false);
    e.class_name = i % 5 == 0 ? "async" : "core";
    snapshot.endpoints.push_back(e);
  }
  const std::string first = RenderStatusPage(snapshot);
  EXPECT_EQ(Count(first, "<tr class="), kStatusPageRows);
  EXPECT_NE(first.find("Showing 1&ndash;100 of 250"), std::string::npos);
  EXPECT_NE(first.find("href=\"?page=2\">next"), std::string::npos);

  EndpointFilter filter;
  filter.states = {"failing"};
  filter.classes = {"core"};
  filter.page = 2;
  const std::string page = RenderStatusPage(snapshot, filter);
  // 125 failing (odd i), of which 100 in class core (i % 5 != 0): one page, and a page past
  // the end shows the last one.
  EXPECT_NE(page.find("Showing 1&ndash;100 of 100"), std::string::npos);
  EXPECT_EQ(page.find("next &rsaquo;"), std::string::npos);
  filter.classes = {"nonesuch"};
  EXPECT_NE(RenderStatusPage(snapshot, filter).find("No endpoints match."), std::string::npos);
  filter.classes = {"core"};
  filter.page = 1;
  const std::string one = RenderStatusPage(snapshot, filter);
  EXPECT_EQ(Count(one, "<tr class=\"failing\">"), 100u);
  EXPECT_EQ(Count(one, "<tr class="), 100u);
  EXPECT_EQ(one.find("<span class=\"class\">async"), std::string::npos);
  EXPECT_NE(one.find("href=\"?state=failing&amp;class=core\" aria-current"), std::string::npos);
}

TEST(StatusPageTest, EscapesHostileEndpointData) {
  DaemonSnapshot snapshot;
  snapshot.version = "<b>v</b>";
  snapshot.revision = "\"rev\"";
  EndpointSnapshot e = Endpoint("<script>alert(1)</script>", true, false, false);
  e.class_name = "core\"><img src=x>";
  e.labels = {{"team", "'quoted' & <tag>"}, {"<svg onload=alert(1)>", "x"}};
  e.url = "http://h/<script>alert(2)</script>?\"onmouseover=alert(3)";
  e.last_reason = "status";
  e.last_error = "HTTP 500: <html>\"\\ \x01 \xFF</html><script>alert(4)</script>";
  e.failing_since_seconds = 1'700'000'000;
  snapshot.endpoints = {e};
  EndpointFilter filter;
  filter.classes = {"core\"><img src=x>"};
  const std::string html = RenderStatusPage(snapshot, filter);
  // Exactly one script element, ours, at the end; no element or attribute from the data.
  EXPECT_EQ(Count(html, "<script"), 1u);
  EXPECT_GT(html.find("<script>"), html.find("</main>"));
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_EQ(html.find("<html>\""), std::string::npos);
  EXPECT_EQ(html.find("\"onmouseover"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("core&quot;&gt;&lt;img src=x&gt;"), std::string::npos);
  EXPECT_NE(html.find("href=\"?class=core%22%3E%3Cimg%20src%3Dx%3E\""), std::string::npos);
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
  EXPECT_NE(RenderStatusPage(snapshot).find("<div class=\"err old\">earlier: connection refused"),
            std::string::npos);
}

TEST(StatusPageTest, ShowsReloadStateAndIsSelfContained) {
  DaemonSnapshot snapshot;
  snapshot.last_reload_successful = false;
  snapshot.last_reload_success_timestamp_seconds = 1700000000;
  const std::string html = RenderStatusPage(snapshot);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta name=\"viewport\" content=\"width=device-width"), std::string::npos);
  EXPECT_NE(html.find("last reload FAILED"), std::string::npos);
  EXPECT_NE(html.find("2023-11-14 22:13:20 UTC"), std::string::npos);
  EXPECT_NE(html.find("No endpoints configured."), std::string::npos);
  // No external assets: no scripts, stylesheets or images are fetched, nothing reloads.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("http-equiv=\"refresh\""), std::string::npos);
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
  EXPECT_NE(row.find("<span class=\"q\">p50 ttfb</span> <b class=\"value\">2.00ms</b>"),
            std::string::npos)
      << row;
  EXPECT_NE(row.find("HTTP/2 · TLSv1.3 · cert until 2026-01-01 00:00:00 UTC"), std::string::npos)
      << row;
}

}  // namespace
}  // namespace latencyd
