// Writes status pages rendered from a made-up snapshot with a full day of history, for the
// headless-browser test: `status_page_fixture OUT_DIR` writes OUT_DIR/status.html (every state,
// hostile labels and error texts) and OUT_DIR/status-many.html (10,000 endpoints, page 1).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "daemon/web/status_page.h"

namespace latencyd {
namespace {

constexpr double kNow = 1'764'460'000;  // 2025-11-29 23:46:40 UTC, inside a 5-minute bucket

// A day of buckets: a median around `base` with a daily swell, an optional slow stretch and an
// optional outage (buckets counted back from now).
std::vector<HistoryBucket> Day(double base, double slow_factor, int slow_from, int slow_to,
                               int outage_from, int outage_to) {
  std::vector<HistoryBucket> day;
  const std::int64_t open = static_cast<std::int64_t>(kNow) / 300 * 300;
  for (int age = 287; age >= 0; --age) {
    HistoryBucket b;
    b.start_unix_seconds = open - 300 * age;
    const double swell = 1 + 0.25 * std::sin(age / 288.0 * 2 * M_PI) + 0.05 * std::sin(age * 1.7);
    const bool slow = age <= slow_from && age >= slow_to;
    b.median_seconds = base * swell * (slow ? slow_factor : 1);
    b.p99_seconds = b.median_seconds * 2.4;
    b.successes = 300;
    if (age <= outage_from && age >= outage_to) {
      b.successes = 20;
      b.failures = 280;
    }
    b.breached = slow && slow_factor > 2;
    day.push_back(b);
  }
  return day;
}

EndpointSnapshot Endpoint(const std::string& name, const std::string& klass, double threshold,
                          double judged, bool ok) {
  EndpointSnapshot e;
  e.name = name;
  e.class_name = klass;
  e.url = "http://10.0.3.17:8000/" + name;
  e.interval_seconds = 1;
  e.has_result = true;
  e.last_success = ok;
  e.threshold_seconds = threshold;
  e.threshold_quantile = 0.5;
  e.judged_seconds = judged;
  e.breached = ok && judged > threshold;
  e.window_samples = 300;
  e.duration.quantiles = {{0.5, judged}, {0.9, judged * 1.6}, {0.99, judged * 2.9}};
  e.successes = 86'012;
  e.failures = ok ? 3 : 412;
  e.last_http_status = ok ? 200 : 503;
  e.last_probe_timestamp_seconds = kNow - 0.7;
  e.healthy_since_seconds = kNow - 3 * 3600 - 600;
  e.uptime_ratio_24h = ok ? 0.99996 : 0.9826;
  e.labels = {{"team", "web"}};
  return e;
}

DaemonSnapshot Mixed() {
  DaemonSnapshot s;
  s.version = "0.1.0";
  s.revision = "4d3c2b1";
  s.generated_at_seconds = kNow;
  s.last_reload_success_timestamp_seconds = kNow - 7200;
  EndpointSnapshot failing = Endpoint("checkout_submit", "core", 0.005, 0.0031, false);
  failing.last_reason = "status";
  failing.last_error = "HTTP 503 from http://10.0.3.17:8000/checkout/submit";
  failing.failing_since_seconds = kNow - 425;
  failing.history = Day(0.0028, 1, -1, -1, 1, 0);
  s.endpoints.push_back(failing);
  EndpointSnapshot breached = Endpoint("search_query", "core", 0.005, 0.0072, true);
  breached.breached_since_seconds = kNow - 1260;
  breached.labels = {{"team", "search"}, {"tier", "1"}};
  breached.url = "https://bot:xxxxx@search.internal/api/query?q=ping&api_key=xxxxx";
  breached.history = Day(0.0034, 2.2, 4, 0, -1, -1);
  breached.http_version = "2";
  breached.tls_version = "TLSv1.3";
  breached.cert_not_after_unix = kNow + 12 * 86400;
  s.endpoints.push_back(breached);
  EndpointSnapshot async =
      Endpoint("async_report_generation_with_a_rather_long_name", "async", 0.1, 0.431, true);
  async.breached_since_seconds = kNow - 26 * 3600;
  async.history = Day(0.42, 1, -1, -1, -1, -1);
  s.endpoints.push_back(async);
  EndpointSnapshot hostile =
      Endpoint("<img src=x onerror=\"document.title='XSS'\">", "core", 0.005, 0.0012, false);
  hostile.labels = {{"owner", "<script>document.title='XSS'</script>"},
                    {"note", "\"><svg onload=\"document.title='XSS'\">"}};
  hostile.last_reason = "body_mismatch";
  hostile.last_error = "body did not match: <script>document.title='XSS'</script>\x01\xFF";
  hostile.failing_since_seconds = kNow - 40;
  hostile.history = Day(0.0012, 1, -1, -1, 40, 0);
  s.endpoints.push_back(hostile);
  EndpointSnapshot fresh = Endpoint("new_endpoint", "core", 0.005, NAN, true);
  fresh.has_result = false;
  fresh.window_samples = 0;
  fresh.duration.quantiles = {{0.5, NAN}, {0.9, NAN}, {0.99, NAN}};
  fresh.uptime_ratio_24h = NAN;
  s.endpoints.push_back(fresh);
  const char* names[] = {"plone_info", "main_root",  "static_css", "login_form",
                         "api_users",  "api_orders", "health",     "catalog_list"};
  int i = 0;
  for (const char* name : names) {
    const double median = 0.0008 + 0.00045 * i++;
    EndpointSnapshot ok = Endpoint(name, "core", 0.005, median, true);
    ok.history = Day(median, 1.6, i * 20 + 30, i * 20 + 10, i == 3 ? 200 : -1, i == 3 ? 196 : -1);
    s.endpoints.push_back(ok);
  }
  return s;
}

DaemonSnapshot Many() {
  DaemonSnapshot s = Mixed();
  const std::vector<HistoryBucket> day = Day(0.0015, 1, -1, -1, -1, -1);
  for (int i = s.endpoints.size(); i < 10'000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "endpoint_%05d", i);
    EndpointSnapshot e =
        Endpoint(name, i % 7 ? "core" : "async", i % 7 ? 0.005 : 0.1, 0.0015, true);
    e.history = day;
    s.endpoints.push_back(e);
  }
  return s;
}

bool Write(const std::string& path, const std::string& html) {
  std::ofstream out(path);
  out << html;
  return static_cast<bool>(out);
}

}  // namespace
}  // namespace latencyd

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      latencyd::Write(dir + "/status.html", latencyd::RenderStatusPage(latencyd::Mixed())) &&
      latencyd::Write(dir + "/status-many.html", latencyd::RenderStatusPage(latencyd::Many()));
  return ok ? 0 : 1;
}
