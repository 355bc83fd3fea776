// Tests of the /api/v1/endpoints renderer: state derivation, escaping, numbers, the document.
#include "daemon/web/endpoints_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

#include "daemon/text/escape.h"
#include "daemon/web/endpoint_health.h"

namespace latencyd {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

EndpointSnapshot Endpoint(const std::string& name, bool has_result, bool last_success,
                          bool breached, std::size_t samples) {
  EndpointSnapshot e;
  e.name = name;
  e.class_name = "core";
  e.has_result = has_result;
  e.last_success = last_success;
  e.breached = breached;
  e.window_samples = samples;
  e.threshold_seconds = 0.005;
  return e;
}

struct HealthCase {
  const char* what;
  bool has_result, last_success, breached;
  std::size_t samples;
  EndpointHealth want;
};

TEST(EndpointsJsonTest, DerivesHealth) {
  const HealthCase cases[] = {
      {"never probed", false, false, false, 0, EndpointHealth::kNoData},
      {"last probe failed", true, false, false, 10, EndpointHealth::kFailing},
      {"failing outranks breached", true, false, true, 10, EndpointHealth::kFailing},
      {"breached", true, true, true, 10, EndpointHealth::kBreached},
      {"ok", true, true, false, 10, EndpointHealth::kOk},
      {"window expired", true, true, false, 0, EndpointHealth::kNoData},
  };
  for (const HealthCase& c : cases) {
    EXPECT_EQ(HealthOf(Endpoint("x", c.has_result, c.last_success, c.breached, c.samples)), c.want)
        << c.what;
  }
  EXPECT_EQ(HealthName(EndpointHealth::kFailing), "failing");
  EXPECT_EQ(HealthName(EndpointHealth::kBreached), "breached");
  EXPECT_EQ(HealthName(EndpointHealth::kNoData), "no_data");
  EXPECT_EQ(HealthName(EndpointHealth::kOk), "ok");
}

TEST(EndpointsJsonTest, WorstFirstThenByName) {
  DaemonSnapshot snapshot;
  snapshot.endpoints = {
      Endpoint("a_ok", true, true, false, 5),      Endpoint("b_nodata", false, false, false, 0),
      Endpoint("c_breached", true, true, true, 5), Endpoint("d_failing", true, false, false, 5),
      Endpoint("e_breached", true, true, true, 5), Endpoint("f_ok", true, true, false, 5)};
  std::vector<std::string> names;
  for (const EndpointSnapshot* e : WorstFirst(snapshot)) names.push_back(e->name);
  EXPECT_EQ(names, (std::vector<std::string>{"d_failing", "c_breached", "e_breached", "b_nodata",
                                             "a_ok", "f_ok"}));
}

DaemonSnapshot HostileSnapshot() {
  DaemonSnapshot snapshot;
  snapshot.version = "0.1.0";
  snapshot.revision = "abc\"def";
  snapshot.last_reload_successful = false;
  snapshot.last_reload_success_timestamp_seconds = 1732550000.5;
  EndpointSnapshot e = Endpoint("<script>\"x\\y\"</script>\x01", true, false, false, 3);
  e.labels = {{"service", "demo"}, {"team", "a\"b"}};
  e.duration.quantiles = {{0.5, 0.000716}, {0.9, kNaN}, {0.99, 0.0021}};
  e.phases[0].quantiles = {{0.5, 0.00001}};
  e.threshold_quantile = 0.5;
  e.judged_seconds = kNaN;
  e.successes = 7;
  e.failures = 3;
  e.failures_by_reason[static_cast<int>(probes::FailureReason::kTimeout)] = 2;
  e.failures_by_reason[static_cast<int>(probes::FailureReason::kOther)] = 1;
  e.last_reason = "timeout";
  e.last_error = "operation timed out\r\n\tafter 1000 ms: \xFF";
  e.last_probe_timestamp_seconds = 1732550001;
  snapshot.endpoints.push_back(e);
  snapshot.endpoints.push_back(Endpoint("never", false, false, false, 0));
  return snapshot;
}

TEST(EndpointsJsonTest, RendersTheDocument) {
  const std::string json = RenderEndpointsJson(HostileSnapshot());
  EXPECT_NE(json.find(R"("name":"<script>\"x\\y\"</script>\u0001")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("labels":{"service":"demo","team":"a\"b"})"), std::string::npos);
  EXPECT_NE(json.find(R"("state":"failing")"), std::string::npos);
  EXPECT_NE(json.find(R"("quantiles":{"0.5":0.000716,"0.9":null,"0.99":0.0021})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("judged_seconds":null)"), std::string::npos);
  EXPECT_NE(
      json.find(R"("failures_by_reason":{"timeout":2,"dns":0,"connect":0,"tls":0,)"
                R"("status":0,"body_mismatch":0,"too_large":0,"reset":0,"redirect":0,"other":1})"),
      std::string::npos);
  EXPECT_NE(json.find(R"("phases":{"dns":{"0.5":0.00001},"connect":{},)"), std::string::npos);
  EXPECT_NE(json.find(R"("last_error":"operation timed out\u000d\u000a\u0009after 1000 ms: �")"),
            std::string::npos);
  EXPECT_NE(json.find(R"("last_http_status":null)"), std::string::npos);
  // The never-probed endpoint: every last_* field is null.
  EXPECT_NE(json.find(R"("state":"no_data")"), std::string::npos);
  EXPECT_NE(json.find(R"("last_success":null,"last_reason":null,"last_http_status":null,)"
                      R"("last_error":null,"last_probe_timestamp_seconds":null)"),
            std::string::npos);
  EXPECT_NE(json.find(R"("build":{"version":"0.1.0","revision":"abc\"def"})"), std::string::npos);
  EXPECT_NE(
      json.find(
          R"("reload":{"last_successful":false,"last_success_timestamp_seconds":1732550000.5})"),
      std::string::npos);
}

TEST(EndpointsJsonTest, RendersTheVerdictSinceAndEvidence) {
  DaemonSnapshot snapshot;
  EndpointSnapshot judged = Endpoint("judged", true, true, true, 40);
  judged.verdict_since_seconds = 1732550000.5;
  judged.breach_evidence = 0.75;
  snapshot.endpoints.push_back(judged);
  snapshot.endpoints.push_back(Endpoint("unjudged", false, false, false, 0));
  const std::string json = RenderEndpointsJson(snapshot);
  EXPECT_NE(json.find(R"("breached":true,"breached_since":1732550000.5,"breach_evidence":0.75)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("breached":false,"breached_since":null,"breach_evidence":null)"),
            std::string::npos)
      << json;
}

TEST(EndpointsJsonTest, RendersAnEmptySnapshot) {
  EXPECT_EQ(RenderEndpointsJson(DaemonSnapshot{}),
            R"({"generated_at":null,"history_columns":["start","median_seconds","p99_seconds",)"
            R"("successes","failures","skipped","breached"],"history_bucket_seconds":300,)"
            R"("endpoints":[],"build":{"version":"","revision":""},)"
            R"("reload":{"last_successful":true,"last_success_timestamp_seconds":null},)"
            R"("schedule_lag_seconds":{}})"
            "\n");
}

TEST(EndpointsJsonTest, RendersUrlStateSinceRatioUptimeAndHistoryRoundedToMicroseconds) {
  DaemonSnapshot snapshot;
  snapshot.generated_at_seconds = 1732550000.1234567;
  EndpointSnapshot e = Endpoint("api", true, true, true, 10);
  e.url = "https://REDACTED@h/x?token=REDACTED";
  e.interval_seconds = 0.25;
  e.judged_seconds = 0.0072345678;
  e.breached_since_seconds = 1732549000.5;
  e.uptime_ratio_24h = 2.0 / 3;
  HistoryBucket bucket;
  bucket.start_unix_seconds = 1732549800;
  bucket.median_seconds = 0.0012345678;
  bucket.p99_seconds = 0.0099;
  bucket.successes = 290;
  bucket.failures = 3;
  bucket.skipped = 1;
  bucket.breached = true;
  e.history = {bucket, HistoryBucket{1732550100}};
  snapshot.endpoints = {e};
  const std::string json = RenderEndpointsJson(snapshot);
  for (const char* part :
       {R"({"generated_at":1732550000.123457,"history_columns":["start","median_seconds",)",
        R"("endpoints":[{"name":"api",)",
        R"("labels":{},"url":"https://REDACTED@h/x?token=REDACTED","interval_seconds":0.25,)",
        R"("state":"breached","state_since":1732549000.5,)",
        R"("judged_seconds":0.007235,"over_ratio":1.446914,"uptime_ratio_24h":0.666667,)",
        R"("history":[[1732549800,0.001235,0.0099,290,3,1,true],)"
        R"([1732550100,null,null,0,0,0,false]]}])"}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << "\n" << json;
  }
  EndpointFilter without_history;
  without_history.history = false;
  EXPECT_EQ(RenderEndpointsJson(snapshot, without_history).find("\"history\""), std::string::npos);
}

TEST(EndpointsJsonTest, FiltersByStateAndClass) {
  DaemonSnapshot snapshot;
  snapshot.endpoints = {Endpoint("a", true, true, false, 5), Endpoint("b", true, false, false, 5),
                        Endpoint("c", true, true, true, 5)};
  snapshot.endpoints[2].class_name = "async";
  EndpointFilter filter;
  std::string error;
  ASSERT_TRUE(ParseEndpointFilter({{"state", "failing,breached"}}, &filter, &error)) << error;
  std::string json = RenderEndpointsJson(snapshot, filter);
  EXPECT_EQ(json.find(R"("name":"a")"), std::string::npos);
  EXPECT_NE(json.find(R"("name":"b")"), std::string::npos);
  EXPECT_NE(json.find(R"("name":"c")"), std::string::npos);
  filter = {};
  ASSERT_TRUE(ParseEndpointFilter({{"class", "async"}, {"state", "breached"}}, &filter, &error));
  json = RenderEndpointsJson(snapshot, filter);
  EXPECT_EQ(json.find(R"("name":"b")"), std::string::npos);
  EXPECT_NE(json.find(R"("name":"c")"), std::string::npos);

  EXPECT_FALSE(ParseEndpointFilter({{"state", "sad"}}, &filter, &error));
  EXPECT_EQ(error, "unknown state \"sad\" (known: failing, breached, no_data, ok)");
  EXPECT_FALSE(ParseEndpointFilter({{"page", "0"}}, &filter, &error));
  EXPECT_FALSE(ParseEndpointFilter({{"page", "x"}}, &filter, &error));
  EXPECT_FALSE(ParseEndpointFilter({{"history", "maybe"}}, &filter, &error));
  EXPECT_EQ(FilterQuery(filter, 3), "?state=breached&class=async&page=3");
}

// The strongest check of well-formedness: a real JSON parser, when one is installed.
TEST(EndpointsJsonTest, ParsesWithPython) {
  if (std::system("python3 -c '' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  const std::string path = ::testing::TempDir() + "endpoints_json_test.json";
  std::ofstream(path) << RenderEndpointsJson(HostileSnapshot());
  const std::string check =
      "python3 -c 'import json,math,sys; d=json.load(sys.stdin); e=d[\"endpoints\"][0]; "
      "assert e[\"quantiles\"][\"0.9\"] is None; assert e[\"failures\"] == 3; "
      "assert e[\"name\"] == \"<script>\\\"x\\\\y\\\"</script>\\x01\", e[\"name\"]; "
      "assert d[\"endpoints\"][1][\"last_success\"] is None' < " +
      path;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace latencyd

namespace latencyd {
namespace {

TEST(EndpointsJsonTest, CarriesJudgeAndConnectionFacts) {
  DaemonSnapshot snapshot;
  EndpointSnapshot https;
  https.name = "api";
  https.class_name = "core";
  https.judge = "ttfb";
  https.judged_seconds = 0.002;
  https.http_version = "2";
  https.tls_version = "TLSv1.3";
  https.cert_not_after_unix = 1767225637;
  EndpointSnapshot plain;
  plain.name = "plain";
  plain.class_name = "core";
  snapshot.endpoints = {https, plain};
  const std::string json = RenderEndpointsJson(snapshot);
  EXPECT_NE(json.find(R"("judge":"ttfb","judged_seconds":0.002)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("http_version":"2","tls_version":"TLSv1.3",)"
                      R"("tls_earliest_cert_expiry_timestamp_seconds":1767225637)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("http_version":null,"tls_version":null,)"
                      R"("tls_earliest_cert_expiry_timestamp_seconds":null)"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace latencyd
