// Scaling out with the real binary: --shard splits endpoints over instances, and endpoint
// files are re-read when they change.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"

namespace latencyd {
namespace {

using testing::DaemonProcess;
using testing::LabelValues;
using testing::WaitFor;

// Endpoints that fail at once (a closed port) and rarely: only their presence matters here.
std::string QuietEndpoint(const std::string& name) {
  return "  - { name: " + name +
         ", url: \"http://127.0.0.1:1/\", class: core, interval: 1h, window: 1h }\n";
}

std::set<std::string> ProbedEndpoints(const DaemonProcess& daemon) {
  return LabelValues(daemon.Get("/metrics").value_or(""), "latencyd_threshold_seconds", "endpoint");
}

TEST(ScaleOutTest, ShardsProbeEveryEndpointExactlyOnce) {
  std::string config = "endpoints:\n";
  std::set<std::string> all;
  for (int i = 0; i < 24; ++i) {
    all.insert("svc_" + std::to_string(i));
    config += QuietEndpoint("svc_" + std::to_string(i));
  }
  DaemonProcess first(config, {}, {"--shard=1/2"});
  DaemonProcess second(config, {}, {"--shard=2/2"});
  ASSERT_TRUE(first.WaitUntilServing()) << first.Stderr();
  ASSERT_TRUE(second.WaitUntilServing()) << second.Stderr();
  std::set<std::string> a = ProbedEndpoints(first);
  std::set<std::string> b = ProbedEndpoints(second);
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  std::set<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(both, both.end()));
  EXPECT_TRUE(both.empty()) << "probed twice: " << *both.begin();
  a.insert(b.begin(), b.end());
  EXPECT_EQ(a, all);
}

TEST(ScaleOutTest, BadShardIsAUsageError) {
  EXPECT_EQ(testing::RunLatencyd({"--shard=3/2", "--config.check"}).exit_code, 2);
  EXPECT_EQ(testing::RunLatencyd({"--shard=0/2", "--config.check"}).exit_code, 2);
}

TEST(ScaleOutTest, EndpointFilesAreReReadWhenTheyChange) {
  DaemonProcess daemon("endpoint_files: [\"conf.d/*.yml\"]\nendpoints:\n" + QuietEndpoint("main"),
                       {}, {"--config.watch-interval=50ms"});
  daemon.WriteFile("conf.d/a.yml", QuietEndpoint("from_a"));
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  // The file may have landed just after the first load: then the watcher adds it.
  ASSERT_TRUE(WaitFor([&] {
    return ProbedEndpoints(daemon) == std::set<std::string>{"main", "from_a"};
  }));

  daemon.WriteFile("conf.d/b.yml", QuietEndpoint("from_b"));
  ASSERT_TRUE(WaitFor([&] { return ProbedEndpoints(daemon).count("from_b") == 1; }))
      << daemon.Stderr();
  daemon.RemoveFile("conf.d/a.yml");
  ASSERT_TRUE(WaitFor([&] { return ProbedEndpoints(daemon).count("from_a") == 0; }))
      << daemon.Stderr();
  EXPECT_EQ(ProbedEndpoints(daemon), (std::set<std::string>{"main", "from_b"}));

  // A broken endpoint file changes nothing and is reported, like any failed reload.
  daemon.WriteFile("conf.d/b.yml", "- { name: broken, class: cor }\n");
  ASSERT_TRUE(WaitFor([&] { return daemon.Stderr().find("reload failed") != std::string::npos; }));
  EXPECT_EQ(ProbedEndpoints(daemon), (std::set<std::string>{"main", "from_b"}));
}

}  // namespace
}  // namespace latencyd
