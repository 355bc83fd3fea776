#include "daemon/metrics/metric_families.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "daemon/window/histogram.h"

namespace latencyd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const std::string kGoldenPath = std::string(LATENCYD_TEST_DATA_DIR) + "/golden.prom";

SummarySnapshot Summary(std::vector<QuantileValue> quantiles, double sum, std::uint64_t count) {
  SummarySnapshot s;
  s.quantiles = std::move(quantiles);
  s.sum_seconds = sum;
  s.count = count;
  return s;
}

// A core endpoint with extra labels and a healthy window.
EndpointSnapshot CoreEndpoint() {
  EndpointSnapshot e;
  e.name = "plone_info";
  e.class_name = "core";
  e.labels = {{"service", "plone"}, {"team", "web"}};
  e.duration = Summary({{0.5, 0.000716}, {0.9, 0.00125}, {0.99, 0.0061}}, 0.2364, 300);
  e.histogram.upper_bounds = DefaultBucketBounds();
  e.histogram.cumulative = {0,   0,   12,  270, 290, 297, 299, 300,
                            300, 300, 300, 300, 300, 300, 300, 300};
  e.histogram.count = 300;
  e.histogram.sum_seconds = 0.2364;
  const double phase_medians[] = {0, 0.00011, 0, 0.00052, 0.000031};
  for (int i = 0; i < probes::kPhaseCount; ++i) {
    const double m = phase_medians[i];
    e.phases[i] = Summary({{0.5, m}, {0.9, m * 2}, {0.99, m * 3}}, m * 300, 300);
  }
  e.successes = 300;
  e.failures = 0;
  e.skipped = 1;
  e.has_result = true;
  e.last_success = true;
  e.last_probe_timestamp_seconds = 1764093600.25;
  e.last_http_status = 200;
  e.http_version = "2";
  e.tls_version = "TLSv1.3";
  e.cert_not_after_unix = 1767225600;  // 2026-01-01
  e.judge = "ttfb";
  e.threshold_seconds = 0.005;
  e.threshold_quantile = 0.5;
  e.judged_seconds = 0.00052;  // the ttfb median
  e.breached = false;
  e.verdict_since_seconds = 1764093000;
  e.breach_evidence = 0.03125;
  e.window_samples = 300;
  e.baseline_seconds = 0.0007161;  // pytest-benchmark's median of test_main_root
  e.baseline_tolerance = 0.15;
  return e;
}

// An async endpoint that only failed, by two reasons: its window is empty.
EndpointSnapshot AsyncEndpoint() {
  EndpointSnapshot e;
  e.name = "async_demo";
  e.class_name = "async";
  const double nan = std::nan("");
  e.duration = Summary({{0.5, nan}, {0.9, nan}}, 0, 0);
  e.histogram.upper_bounds = DefaultBucketBounds();
  e.histogram.cumulative.assign(DefaultBucketBounds().size(), 0);
  for (int i = 0; i < probes::kPhaseCount; ++i)
    e.phases[i] = Summary({{0.5, nan}, {0.9, nan}}, 0, 0);
  e.failures = 3;
  e.failures_by_reason[static_cast<int>(probes::FailureReason::kTimeout)] = 2;
  e.failures_by_reason[static_cast<int>(probes::FailureReason::kStatus)] = 1;
  e.has_result = true;
  e.last_success = false;
  e.last_probe_timestamp_seconds = 1764093605.5;
  e.last_http_status = 503;
  e.last_reason = "status";
  e.last_error = "HTTP 503";
  e.http_version = "1.1";  // plain http: no TLS series
  e.threshold_seconds = 0.1;
  e.threshold_quantile = 0.5;
  e.judged_seconds = nan;
  e.window_samples = 0;
  return e;
}

DaemonSnapshot GoldenSnapshot() {
  DaemonSnapshot snapshot;
  snapshot.endpoints = {AsyncEndpoint(), CoreEndpoint()};  // sorted by name
  snapshot.schedule_lag = Summary({{0.5, 0.00004}, {0.9, 0.00012}, {0.99, 0.0009}}, 0.0153, 301);
  snapshot.last_reload_successful = true;
  snapshot.last_reload_success_timestamp_seconds = 1764093000;
  snapshot.version = "0.1.0";
  snapshot.revision = "0123456789ab";
  return snapshot;
}

const MetricFamily* FindFamily(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const MetricFamily& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

std::map<std::string, std::string> LabelMap(const ClientMetric& metric) {
  std::map<std::string, std::string> labels;
  for (const auto& label : metric.label) labels[label.name] = label.value;
  return labels;
}

TEST(MetricFamiliesTest, GoldenExposition) {
  const std::string text = RenderMetricsText(GoldenSnapshot(), nullptr);
  const char* update = std::getenv("LATENCYD_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(kGoldenPath, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote " << kGoldenPath << "; review it with git diff";
  }
  std::ifstream in(kGoldenPath, std::ios::binary);
  ASSERT_TRUE(in) << kGoldenPath << " missing; run with LATENCYD_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << "rerun with LATENCYD_UPDATE_GOLDEN=1 if the change is meant";
}

TEST(MetricFamiliesTest, EverySpecMetricWithItsType) {
  const std::vector<MetricFamily> families = BuildMetricFamilies(GoldenSnapshot());
  const std::map<std::string, MetricType> want = {
      {"latencyd_probe_duration_seconds", MetricType::Summary},
      {"latencyd_probe_duration_histogram_seconds", MetricType::Histogram},
      {"latencyd_probe_phase_seconds", MetricType::Summary},
      {"latencyd_probes_total", MetricType::Counter},
      {"latencyd_probe_failures_total", MetricType::Counter},
      {"latencyd_probe_success", MetricType::Gauge},
      {"latencyd_last_probe_timestamp_seconds", MetricType::Gauge},
      {"latencyd_http_status_code", MetricType::Gauge},
      {"latencyd_threshold_seconds", MetricType::Gauge},
      {"latencyd_threshold_breached", MetricType::Gauge},
      {"latencyd_judged_duration_seconds", MetricType::Gauge},
      {"latencyd_probe_http_version_info", MetricType::Gauge},
      {"latencyd_tls_version_info", MetricType::Gauge},
      {"latencyd_tls_earliest_cert_expiry_timestamp_seconds", MetricType::Gauge},
      {"latencyd_window_samples", MetricType::Gauge},
      {"latencyd_threshold_breached_since_timestamp_seconds", MetricType::Gauge},
      {"latencyd_breach_evidence_ratio", MetricType::Gauge},
      {"latencyd_schedule_lag_seconds", MetricType::Summary},
      {"latencyd_probes_out_of_descriptors_total", MetricType::Counter},
      {"latencyd_schedule_sustained_ratio", MetricType::Gauge},
      {"latencyd_probes_skipped_total", MetricType::Counter},
      {"latencyd_config_last_reload_successful", MetricType::Gauge},
      {"latencyd_config_last_reload_success_timestamp_seconds", MetricType::Gauge},
      {"latencyd_build_info", MetricType::Gauge},
      {"latencyd_baseline_seconds", MetricType::Gauge},
      {"latencyd_baseline_tolerance_ratio", MetricType::Gauge},
  };
  EXPECT_EQ(families.size(), want.size());
  for (const auto& [name, type] : want) {
    const MetricFamily* family = FindFamily(families, name);
    ASSERT_NE(family, nullptr) << name;
    EXPECT_EQ(family->type, type) << name;
    EXPECT_FALSE(family->help.empty()) << name;
  }
}

TEST(MetricFamiliesTest, OnlyJudgedEndpointsHaveVerdictSeries) {
  const std::vector<MetricFamily> families = BuildMetricFamilies(GoldenSnapshot());
  const MetricFamily* since =
      FindFamily(families, "latencyd_threshold_breached_since_timestamp_seconds");
  ASSERT_NE(since, nullptr);
  ASSERT_EQ(since->metric.size(), 1u);  // the async endpoint only failed: never judged
  EXPECT_DOUBLE_EQ(since->metric[0].gauge.value, 1764093000);
  const MetricFamily* evidence = FindFamily(families, "latencyd_breach_evidence_ratio");
  ASSERT_EQ(evidence->metric.size(), 1u);
  EXPECT_DOUBLE_EQ(evidence->metric[0].gauge.value, 0.03125);
}

TEST(MetricFamiliesTest, OnlyEndpointsWithABaselineHaveBaselineSeries) {
  const std::vector<MetricFamily> families = BuildMetricFamilies(GoldenSnapshot());
  const MetricFamily* baseline = FindFamily(families, "latencyd_baseline_seconds");
  ASSERT_NE(baseline, nullptr);
  ASSERT_EQ(baseline->metric.size(), 1u);  // the async endpoint has no baseline
  EXPECT_DOUBLE_EQ(baseline->metric[0].gauge.value, 0.0007161);
  const MetricFamily* tolerance = FindFamily(families, "latencyd_baseline_tolerance_ratio");
  ASSERT_EQ(tolerance->metric.size(), 1u);
  EXPECT_DOUBLE_EQ(tolerance->metric[0].gauge.value, 0.15);
}

TEST(MetricFamiliesTest, EndpointSeriesCarryEndpointClassAndOwnLabels) {
  const std::vector<MetricFamily> families = BuildMetricFamilies(GoldenSnapshot());
  for (const MetricFamily& family : families) {
    if (family.name == "latencyd_schedule_lag_seconds" ||
        family.name == "latencyd_probes_out_of_descriptors_total" ||
        family.name == "latencyd_schedule_sustained_ratio" ||
        family.name.rfind("latencyd_config_", 0) == 0 || family.name == "latencyd_build_info") {
      for (const ClientMetric& metric : family.metric) {
        EXPECT_EQ(LabelMap(metric).count("endpoint"), 0u) << family.name;
      }
      continue;
    }
    ASSERT_FALSE(family.metric.empty()) << family.name;
    for (const ClientMetric& metric : family.metric) {
      const auto labels = LabelMap(metric);
      EXPECT_EQ(labels.size(), metric.label.size()) << family.name << ": duplicate label";
      ASSERT_EQ(labels.count("endpoint"), 1u) << family.name;
      if (labels.at("endpoint") == "plone_info") {
        EXPECT_EQ(labels.at("class"), "core") << family.name;
        EXPECT_EQ(labels.at("team"), "web") << family.name;
        EXPECT_EQ(labels.at("service"), "plone") << family.name;
      } else {
        EXPECT_EQ(labels.at("class"), "async") << family.name;
        EXPECT_EQ(labels.count("team"), 0u) << family.name;
      }
    }
  }
}

TEST(MetricFamiliesTest, EveryReasonIsExportedIncludingZeros) {
  const auto families = BuildMetricFamilies(GoldenSnapshot());
  const MetricFamily* failures = FindFamily(families, "latencyd_probe_failures_total");
  ASSERT_NE(failures, nullptr);
  std::map<std::string, double> async_by_reason;
  for (const ClientMetric& metric : failures->metric) {
    const auto labels = LabelMap(metric);
    if (labels.at("endpoint") == "async_demo")
      async_by_reason[labels.at("reason")] = metric.counter.value;
  }
  const std::map<std::string, double> want = {
      {"timeout", 2},       {"dns", 0},       {"connect", 0}, {"tls", 0},      {"status", 1},
      {"body_mismatch", 0}, {"too_large", 0}, {"reset", 0},   {"redirect", 0}, {"other", 0}};
  EXPECT_EQ(async_by_reason, want);
  EXPECT_EQ(failures->metric.size(), 2u * want.size());
}

TEST(MetricFamiliesTest, ThresholdQuantileLabelMatchesTheSummaryQuantileLabel) {
  DaemonSnapshot snapshot = GoldenSnapshot();
  snapshot.endpoints[1].threshold_quantile = 0.9;
  snapshot.endpoints[0].threshold_quantile = 0.1 + 0.2;  // 0.30000000000000004
  snapshot.endpoints[0].duration.quantiles = {{0.1 + 0.2, 0.001}};
  const std::string text = RenderMetricsText(snapshot, nullptr);
  EXPECT_NE(text.find("latencyd_threshold_seconds{endpoint=\"plone_info\",class=\"core\","
                      "service=\"plone\",team=\"web\",quantile=\"0.9\"} 0.005\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("latencyd_probe_duration_seconds{endpoint=\"plone_info\",class=\"core\","
                      "service=\"plone\",team=\"web\",quantile=\"0.9\"} 0.00125\n"),
            std::string::npos);
  EXPECT_NE(text.find("latencyd_threshold_seconds{endpoint=\"async_demo\",class=\"async\","
                      "quantile=\"0.3\"} 0.1\n"),
            std::string::npos);
  EXPECT_NE(text.find("latencyd_probe_duration_seconds{endpoint=\"async_demo\",class=\"async\","
                      "quantile=\"0.3\"} 0.001\n"),
            std::string::npos);
}

TEST(MetricFamiliesTest, NoLastProbeGaugesBeforeTheFirstResult) {
  DaemonSnapshot snapshot = GoldenSnapshot();
  snapshot.endpoints[0].has_result = false;
  const auto families = BuildMetricFamilies(snapshot);
  for (const char* name : {"latencyd_probe_success", "latencyd_last_probe_timestamp_seconds",
                           "latencyd_http_status_code"}) {
    const MetricFamily* family = FindFamily(families, name);
    ASSERT_NE(family, nullptr) << name;
    ASSERT_EQ(family->metric.size(), 1u) << name;
    EXPECT_EQ(LabelMap(family->metric[0]).at("endpoint"), "plone_info");
  }
  EXPECT_EQ(FindFamily(families, "latencyd_probes_total")->metric.size(), 4u);
}

TEST(MetricFamiliesTest, OwnLabelsThatClashWithLatencydLabelsAreDropped) {
  DaemonSnapshot snapshot = GoldenSnapshot();
  snapshot.endpoints[0].labels = {{"class", "x"},    {"quantile", "x"}, {"le", "x"},
                                  {"phase", "x"},    {"reason", "x"},   {"result", "x"},
                                  {"endpoint", "x"}, {"zone", "eu"}};
  for (const MetricFamily& family : BuildMetricFamilies(snapshot)) {
    for (const ClientMetric& metric : family.metric) {
      const auto labels = LabelMap(metric);
      EXPECT_EQ(labels.size(), metric.label.size()) << family.name;
      if (labels.count("endpoint") != 0 && labels.at("endpoint") == "async_demo") {
        EXPECT_EQ(labels.at("class"), "async");
        EXPECT_EQ(labels.at("zone"), "eu");
      }
    }
  }
}

TEST(MetricFamiliesTest, EmptyDaemonStillReportsDaemonWideMetrics) {
  DaemonSnapshot snapshot;
  snapshot.version = "0.1.0";
  snapshot.revision = "unknown";
  const std::string text = RenderMetricsText(snapshot, nullptr);
  EXPECT_NE(text.find("latencyd_build_info{version=\"0.1.0\",revision=\"unknown\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("latencyd_config_last_reload_successful 1\n"), std::string::npos);
  EXPECT_NE(text.find("latencyd_schedule_lag_seconds_count 0\n"), std::string::npos);
}

TEST(MetricFamiliesTest, ProcessFamiliesFollowTheSnapshotsFamilies) {
  ProcessStats stats;
  stats.cpu_seconds = 1.5;
  stats.open_fds = 12;
  stats.resident_memory_bytes = 4096;
  const std::string text = RenderMetricsText(GoldenSnapshot(), &stats);
  const auto cpu =
      text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n");
  ASSERT_NE(cpu, std::string::npos) << text;
  EXPECT_GT(cpu, text.find("latencyd_build_info"));
  EXPECT_NE(text.find("process_open_fds 12\n"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes 4096\n"), std::string::npos);
  EXPECT_EQ(text.find("process_max_fds"), std::string::npos) << "absent figures are left out";
}

// Runs `command` through the shell, returning its exit status and combined output.
int RunShell(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  return pclose(pipe);
}

// promtool's lint rules that the README's fixed names break on purpose: the histogram's name says
// "histogram" to tell it from the summary of the same samples, and the threshold gauge carries
// the `quantile` it judges so alert rules can divide the summary by it on matching labels.
// Any other line promtool prints fails the test.
const std::set<std::string> kLintAcceptedBySpec = {
    "latencyd_probe_duration_histogram_seconds metric name should not include type 'histogram'",
    "latencyd_threshold_seconds non-summary metrics should not have \"quantile\" label",
    // Carries the quantile it is, so the generic threshold rule matches it with the threshold.
    "latencyd_judged_duration_seconds non-summary metrics should not have \"quantile\" label",
};

TEST(MetricFamiliesTest, PromtoolFindsNothingToComplainAbout) {
  std::string ignored;
  if (RunShell("command -v promtool", ignored) != 0) GTEST_SKIP() << "promtool not on PATH";
  char path[] = "/tmp/latencyd_metrics_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  // The golden snapshot with every process_* figure, as /metrics serves it.
  const ProcessStats process = ReadProcessStats();
  std::ofstream(path, std::ios::binary) << RenderMetricsText(GoldenSnapshot(), &process);
  std::string output;
  const int status = RunShell(std::string("promtool check metrics < ") + path, output);
  std::remove(path);

  std::istringstream lines(output);
  std::string line;
  bool only_accepted_lint = true;
  while (std::getline(lines, line)) {
    if (kLintAcceptedBySpec.count(line) == 0) {
      only_accepted_lint = false;
      ADD_FAILURE() << "promtool: " << line;
    }
  }
  // Exit status 3 means lint problems only; 1 would be a parse error.
  const bool exited_cleanly = WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
                                                    (WEXITSTATUS(status) == 3 && !output.empty()));
  EXPECT_TRUE(exited_cleanly && only_accepted_lint) << "status " << status << "\n" << output;
}

}  // namespace
}  // namespace latencyd
