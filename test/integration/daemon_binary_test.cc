// The real latencyd binary: command line, exit codes, /metrics, signals, reloads.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::DaemonProcess;
using testing::MetricValue;
using testing::RunLatencyd;
using testing::WaitFor;

std::string Endpoint(const std::string& name, const std::string& url,
                     const std::string& extra = "") {
  return "  - { name: " + name + ", url: \"" + url + "\", class: core" + extra + " }\n";
}

class DaemonBinaryTest : public ::testing::Test {
 protected:
  std::optional<double> Metric(const DaemonProcess& daemon, const std::string& name,
                               const std::map<std::string, std::string>& labels) {
    std::optional<std::string> metrics = daemon.Get("/metrics");
    if (!metrics) return std::nullopt;
    return MetricValue(*metrics, name, labels);
  }
  // Waits until `name{labels}` reaches at least `minimum`, and returns the value seen.
  double WaitForMetric(const DaemonProcess& daemon, const std::string& name,
                       const std::map<std::string, std::string>& labels, double minimum) {
    double seen = -1;
    WaitFor([&] {
      seen = Metric(daemon, name, labels).value_or(-1);
      return seen >= minimum;
    });
    return seen;
  }
  testing::FixtureServer server_;
};

TEST(CommandLineTest, VersionNamesTheRevision) {
  testing::CommandResult result = RunLatencyd({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("latencyd, version ", 0), 0u) << result.out;
  EXPECT_NE(result.out.find("revision: "), std::string::npos);
}

TEST(CommandLineTest, BadUsageExitsTwo) {
  EXPECT_EQ(RunLatencyd({"--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(RunLatencyd({"--log.level=loud"}).exit_code, 2);
  EXPECT_EQ(RunLatencyd({"probe"}).exit_code, 2);
  auto raw_bytes = RunLatencyd({"probe", "http://127.0.0.1:1/caf\xe9"});
  EXPECT_EQ(raw_bytes.exit_code, 2);
  EXPECT_EQ(raw_bytes.err,
            "latencyd probe: URL is not valid UTF-8 (byte 0xe9 at offset 22); percent-encode raw "
            "bytes (e.g. %FF)\n");
}

TEST(CommandLineTest, ConfigCheckPrintsLocatedErrors) {
  testing::CommandResult missing =
      RunLatencyd({"--config.check", "--config.file=/nonexistent.yml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent.yml"), std::string::npos) << missing.err;

  char path[] = "/tmp/latencyd-check-XXXXXX";
  int fd = mkstemp(path);
  std::string bad = "endpoints:\n  - name: a\n    url: http://127.0.0.1:1/\n    class: cor\n";
  ASSERT_EQ(write(fd, bad.data(), bad.size()), static_cast<ssize_t>(bad.size()));
  close(fd);
  testing::CommandResult invalid =
      RunLatencyd({"--config.check", std::string("--config.file=") + path});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(
      invalid.err.find(std::string(path) + ":4:12: endpoints[0].class: unknown class \"cor\""),
      std::string::npos)
      << invalid.err;
  unlink(path);
}

TEST_F(DaemonBinaryTest, ProbeCommandPrintsPhasesAndQuantiles) {
  testing::CommandResult result =
      RunLatencyd({"probe", server_.Url("/delay/1000"), "--count", "5", "--interval", "10ms"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* word : {"total", "connect", "ttfb", "p50", "p99", "5 probes: 5 ok, 0 failed"}) {
    EXPECT_NE(result.out.find(word), std::string::npos) << word << "\n" << result.out;
  }
  testing::CommandResult failing =
      RunLatencyd({"probe", server_.Url("/status/503"), "--count", "2", "--interval", "1ms"});
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.out.find("FAILED status"), std::string::npos) << failing.out;
}

TEST_F(DaemonBinaryTest, ServesMetricsAndStopsPromptlyOnSigterm) {
  testing::FixtureServer hung_server;
  DaemonProcess daemon("endpoints:\n" +
                       Endpoint("fast", server_.Url("/delay/500"), ", interval: 20ms") +
                       Endpoint("hung", hung_server.Url("/hang"), ", interval: 5s, timeout: 5s"));
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  ASSERT_TRUE(WaitFor([&] { return daemon.Get("/-/ready").has_value(); }));
  EXPECT_TRUE(daemon.Get("/-/healthy").has_value());
  EXPECT_GE(WaitForMetric(daemon, "latencyd_probes_total",
                          {{"endpoint", "fast"}, {"result", "success"}}, 5),
            5);
  std::string metrics = daemon.Get("/metrics").value_or("");
  EXPECT_TRUE(MetricValue(metrics, "latencyd_probe_duration_seconds",
                          {{"endpoint", "fast"}, {"quantile", "0.5"}}));
  EXPECT_TRUE(MetricValue(metrics, "latencyd_build_info"));
  EXPECT_TRUE(MetricValue(metrics, "process_resident_memory_bytes"));
  EXPECT_NE(daemon.Get("/").value_or("").find("fast"), std::string::npos);
  EXPECT_NE(daemon.Get("/api/v1/endpoints").value_or("").find("\"hung\""), std::string::npos);

  auto start = std::chrono::steady_clock::now();
  daemon.Signal(SIGTERM);  // the hung probe is in flight
  std::optional<int> code = daemon.WaitForExit(seconds(5));
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(DaemonBinaryTest, ReloadKeepsStateAndABadConfigChangesNothing) {
  std::string kept = Endpoint("kept", server_.Url("/delay/300"), ", interval: 20ms");
  DaemonProcess daemon(
      "endpoints:\n" + kept + Endpoint("removed", server_.Url("/delay/400"), ", interval: 20ms"),
      {}, {"--web.enable-lifecycle"});
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  const std::map<std::string, std::string> kept_ok = {{"endpoint", "kept"}, {"result", "success"}};
  double before = WaitForMetric(daemon, "latencyd_probes_total", kept_ok, 5);
  EXPECT_EQ(Metric(daemon, "latencyd_config_last_reload_successful", {}), 1);

  daemon.RewriteConfig("endpoints:\n" + kept + "  - { name: broken, class: cor }\n");
  std::string error;
  EXPECT_EQ(daemon.PostStatus("/-/reload", &error), 500);
  EXPECT_NE(error.find("unknown class \"cor\""), std::string::npos) << error;
  EXPECT_EQ(Metric(daemon, "latencyd_config_last_reload_successful", {}), 0);
  EXPECT_TRUE(Metric(daemon, "latencyd_probes_total", {{"endpoint", "removed"}}))
      << "old config kept";

  daemon.RewriteConfig("endpoints:\n" + kept +
                       Endpoint("added", server_.Url("/delay/200"), ", interval: 20ms"));
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return Metric(daemon, "latencyd_config_last_reload_successful", {}) == 1; }));
  EXPECT_GE(WaitForMetric(daemon, "latencyd_probes_total",
                          {{"endpoint", "added"}, {"result", "success"}}, 1),
            1);
  std::string metrics = daemon.Get("/metrics").value_or("");
  EXPECT_FALSE(MetricValue(metrics, "latencyd_probes_total", {{"endpoint", "removed"}}));
  EXPECT_GE(MetricValue(metrics, "latencyd_probes_total", kept_ok).value_or(0), before)
      << "the unchanged endpoint's counter continued instead of restarting";
}

TEST_F(DaemonBinaryTest, JsonLogLinesStayJsonWhenAConfigValueHasARawByte) {
  DaemonProcess daemon(
      "endpoints:\n" + Endpoint("kept", "http://127.0.0.1:1/", ", interval: 1h, window: 1h"), {},
      {"--log.format=json", "--web.enable-lifecycle"});
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  // "c\xf6r" is Latin-1 for "cör": not UTF-8. The reload error used to quote it back raw
  // (this test failed then); config/ now refuses it without echoing it, and log.cc replaces
  // any raw byte that still reaches a log line (LogTest.RawBytesBecome...).
  daemon.RewriteConfig("endpoints:\n  - { name: broken, class: \"c\xf6r\" }\n");
  EXPECT_EQ(daemon.PostStatus("/-/reload"), 500);
  ASSERT_TRUE(WaitFor([&] { return daemon.Stderr().find("reload failed") != std::string::npos; }))
      << daemon.Stderr();
  // Python's json module is the judge: every line must parse as one JSON object.
  const std::string log_path = daemon.dir() + "/stderr.json";
  std::ofstream(log_path, std::ios::binary) << daemon.Stderr();
  const std::string command =
      "python3 -c 'import json, sys\n"
      "for line in open(sys.argv[1], \"rb\"): assert isinstance(json.loads(line), dict)' " +
      log_path;
  EXPECT_EQ(std::system(command.c_str()), 0) << daemon.Stderr();
}

TEST_F(DaemonBinaryTest, ASighupStormLeaksNoThreadOrFd) {
  // A refused port: every probe ends at once, so no probe socket is open when we count.
  DaemonProcess daemon("endpoints:\n" +
                       Endpoint("refused", "http://127.0.0.1:1/", ", interval: 1h, window: 1h"));
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  ASSERT_TRUE(WaitFor([&] { return daemon.Get("/-/ready").has_value(); }));
  int threads = daemon.ThreadCount();
  int fds = daemon.OpenFdCount();
  for (int i = 0; i < 100; ++i) {
    daemon.Signal(SIGHUP);
    std::this_thread::sleep_for(milliseconds(5));  // pacing the storm over ~0.5 s, not syncing
  }
  // Signals coalesce; wait until the reloads are done and the daemon is quiet again.
  ASSERT_TRUE(WaitFor([&] {
    return daemon.ThreadCount() <= threads && daemon.OpenFdCount() <= fds + 2 &&
           daemon.Get("/-/ready").has_value();
  })) << "threads "
      << daemon.ThreadCount() << " (was " << threads << "), fds " << daemon.OpenFdCount()
      << " (was " << fds << ")";
  EXPECT_NE(daemon.Stderr().find("config reloaded"), std::string::npos);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(seconds(5)), 0);
}

}  // namespace
}  // namespace latencyd
