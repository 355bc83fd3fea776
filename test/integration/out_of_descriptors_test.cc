// The real binary under `ulimit -n 64` with 200 endpoints on a server that never answers: a
// healthy endpoint's probes that find no descriptor are skipped and counted, never failed
// with reason connect, and an error names the limit.
#include <gtest/gtest.h>

#include <string>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using testing::DaemonProcess;
using testing::MetricValue;
using testing::WaitFor;

TEST(OutOfDescriptorsTest, SkipsAndReportsInsteadOfBlamingTheTarget) {
  testing::RawServer silent(testing::RawServer::Behavior::kSilent);  // holds every connection
  testing::FixtureServer healthy;
  std::string config = "defaults: { interval: 1s, timeout: 1s }\nendpoints:\n";
  config += "  - { name: healthy, url: \"" + healthy.Url("/delay/0") + "\", class: async }\n";
  for (int i = 0; i < 200; ++i) {
    config += "  - { name: silent" + std::to_string(i) + ", url: \"" + silent.Url("/") +
              "\", class: async }\n";
  }
  DaemonProcess daemon(config, {}, {}, /*max_open_files=*/64);
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();

  // Scrapes need a descriptor too; some may fail while the probes hold them all.
  std::string metrics;
  const bool skipped = WaitFor([&] {
    auto text = daemon.Get("/metrics");
    if (!text) return false;
    metrics = *text;
    return MetricValue(metrics, "latencyd_probes_skipped_total", {{"endpoint", "healthy"}})
               .value_or(0) >= 3;
  });
  ASSERT_TRUE(skipped) << metrics.substr(0, 2000) << daemon.Stderr().substr(0, 2000);
  EXPECT_EQ(MetricValue(metrics, "latencyd_probe_failures_total",
                        {{"endpoint", "healthy"}, {"reason", "connect"}}),
            0.0);
  EXPECT_GT(MetricValue(metrics, "latencyd_probes_out_of_descriptors_total").value_or(0), 0.0);
  const std::string log = daemon.Stderr();
  EXPECT_NE(log.find("msg=\"out of file descriptors"), std::string::npos) << log.substr(0, 2000);
  EXPECT_NE(log.find("limit=64"), std::string::npos);
}

}  // namespace
}  // namespace latencyd
