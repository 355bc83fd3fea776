// Regression baselines: pytest-benchmark medians, literal durations, tolerance.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

using std::chrono::microseconds;

const std::string kDir = std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/baseline/";

std::string ErrorsOf(const std::string& name) {
  try {
    LoadConfigFile(kDir + name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BaselineTest, ResolvesBenchmarkNamesAndLiterals) {
  Config config = LoadConfigFile(kDir + "valid.yml");
  EXPECT_EQ(config.baseline.pytest_benchmark, kDir + "benchmark.json");
  EXPECT_DOUBLE_EQ(config.baseline.tolerance, 0.15);
  ASSERT_EQ(config.endpoints.size(), 4u);
  EXPECT_EQ(config.endpoints[0].baseline, microseconds(716));
  EXPECT_EQ(config.endpoints[0].baseline_ref, "test_main_root");
  EXPECT_EQ(config.endpoints[1].baseline, microseconds(153200));  // matched by fullname
  EXPECT_EQ(config.endpoints[2].baseline, microseconds(716));
  EXPECT_EQ(config.endpoints[2].baseline_ref, "716us");
  EXPECT_FALSE(config.endpoints[3].baseline.has_value());
  EXPECT_EQ(config.endpoints[3].baseline_ref, "");
}

TEST(BaselineTest, DefaultsWithoutBaselineSection) {
  Config config = ParseConfig("", "empty.yml");
  EXPECT_EQ(config.baseline.pytest_benchmark, "");
  EXPECT_DOUBLE_EQ(config.baseline.tolerance, 0.15);  // the reference release's own gate
}

TEST(BaselineTest, EveryEndpointCarriesTheTolerance) {
  Config config = ParseConfig(
      "baseline: {tolerance: 7.5%}\n"
      "endpoints:\n  - {name: a, url: 'http://h/', class: core, baseline: 716us}\n",
      "tolerance.yml");
  EXPECT_DOUBLE_EQ(config.endpoints[0].baseline_tolerance, 0.075);
}

TEST(BaselineTest, ReportsBadTolerancesUnknownBenchmarksAndBadLiterals) {
  std::string f = kDir + "invalid.yml";
  EXPECT_EQ(ErrorsOf("invalid.yml"),
            f + ":3:14: baseline.tolerance: invalid tolerance \"15\" (a percentage 0%-1000%)\n" +
                f + ":8:15: endpoints[0].baseline: benchmark \"test_main_rot\" not found in \"" +
                kDir + "benchmark.json\"\n" + f +
                ":12:15: endpoints[1].baseline: baseline must be positive");
}

TEST(BaselineTest, ReportsUnreadableAndMalformedBenchmarkFiles) {
  EXPECT_EQ(
      ErrorsOf("missing_file.yml"),
      kDir +
          "missing_file.yml:2:21: baseline.pytest_benchmark: \"/nonexistent/benchmark.json\": "
          "cannot open file: No such file or directory");
  EXPECT_EQ(ErrorsOf("name_without_file.yml"),
            kDir +
                "name_without_file.yml:5:15: endpoints[0].baseline: baseline \"test_main_root\" "
                "is not a duration, and no baseline.pytest_benchmark file is set");
  EXPECT_EQ(ErrorsOf("not_json.yml"),
            kDir + "not_json.yml:2:21: baseline.pytest_benchmark: \"" + kDir +
                "valid.yml\" is not pytest-benchmark JSON (expected benchmarks[].stats.median)");
}

TEST(BaselineTest, BaselineDoesNotChangeProbeSettings) {
  Config config = LoadConfigFile(kDir + "valid.yml");
  Endpoint changed = config.endpoints[0];
  changed.baseline = microseconds(1);
  EXPECT_TRUE(config.endpoints[0].SameProbeSettings(changed));
}

}  // namespace
}  // namespace latencyd::config
