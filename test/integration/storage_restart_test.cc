// State that survives restarts, with the real binary: SIGTERM then start keeps the window and
// the history; SIGKILL loses at most about one checkpoint interval; a damaged state file is
// ignored with a log line and replaced by a good one.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using std::chrono::seconds;
using testing::DaemonProcess;
using testing::WaitFor;

// `"key":N` of the endpoint named `name` in /api/v1/endpoints; -1 when absent.
long JsonCount(const std::string& json, const std::string& name, const std::string& key) {
  const std::size_t at = json.find("{\"name\":\"" + name + "\"");
  if (at == std::string::npos) return -1;
  std::smatch match;
  const std::string rest = json.substr(at);
  if (!std::regex_search(rest, match, std::regex("\"" + key + "\":([0-9]+)"))) return -1;
  return std::stol(match[1]);
}

class StorageRestartTest : public ::testing::Test {
 protected:
  StorageRestartTest() {
    dir_ = ::testing::TempDir() + "latencyd-storage-" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_ =
        "defaults: { interval: 50ms, timeout: 50ms, window: 1m }\nendpoints:\n"
        "  - { name: kept, url: \"" +
        server_.Url("/delay/300") + "\", class: core }\n";
  }
  ~StorageRestartTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<DaemonProcess> Start(const std::string& checkpoint = "1m") {
    auto daemon = std::make_unique<DaemonProcess>(
        config_, std::map<std::string, std::string>{},
        std::vector<std::string>{"--storage.path=" + dir_,
                                 "--storage.checkpoint-interval=" + checkpoint});
    EXPECT_TRUE(daemon->WaitUntilServing()) << daemon->Stderr();
    return daemon;
  }
  long Samples(const DaemonProcess& daemon) {
    return JsonCount(daemon.Get("/api/v1/endpoints?history=false").value_or(""), "kept",
                     "window_samples");
  }
  long WaitForSamples(const DaemonProcess& daemon, long minimum) {
    long seen = -1;
    WaitFor([&] { return (seen = Samples(daemon)) >= minimum; }, seconds(60));
    return seen;
  }

  testing::FixtureServer server_;
  std::string dir_;
  std::string config_;
};

TEST_F(StorageRestartTest, SigtermThenStartKeepsTheWindowAndHistory) {
  auto first = Start();
  const long before = WaitForSamples(*first, 40);
  ASSERT_GE(before, 40) << first->Stderr();
  first->Signal(SIGTERM);
  ASSERT_EQ(first->WaitForExit(seconds(10)), 0);
  const long stopped_with = before;  // at least; a few more may have arrived before SIGTERM

  auto second = Start();
  // Read at once: without the saved state the window would hold a handful of samples.
  const std::string json = second->Get("/api/v1/endpoints").value_or("");
  EXPECT_GE(JsonCount(json, "kept", "window_samples"), stopped_with) << json.substr(0, 2000);
  // The state too: "ok" at once, not "no_data" until the first probe.
  EXPECT_TRUE(std::regex_search(
      json, std::regex("\"name\":\"kept\",\"class\":\"core\",\"labels\":\\{\\},"
                       "\"url\":\"[^\"]*\",\"interval_seconds\":[0-9.]+,\"state\":\"ok\"")))
      << json.substr(0, 600);
  // Successes over the history buckets ([start, median, p99, successes, ...]).
  long history_successes = 0;
  const std::regex bucket("\\[[0-9]+,[^,\\]]+,[^,\\]]+,([0-9]+),");
  for (std::sregex_iterator it(json.begin(), json.end(), bucket), end; it != end; ++it) {
    history_successes += std::stol((*it)[1]);
  }
  EXPECT_GE(history_successes, stopped_with) << "history lost";
  EXPECT_NE(second->Stderr().find("msg=\"restored saved endpoint state\""), std::string::npos)
      << second->Stderr();
}

TEST_F(StorageRestartTest, SigkillLosesAtMostAboutOneCheckpointInterval) {
  auto first = Start("1s");
  WaitForSamples(*first, 60);
  // Let a few checkpoints pass, then read and kill right away.
  std::this_thread::sleep_for(seconds(2));
  const long at_kill = Samples(*first);
  first->Signal(SIGKILL);
  first->WaitForExit(seconds(10));

  auto second = Start("1s");
  const long restored = Samples(*second);
  // One interval is 20 samples at 50 ms; allow two intervals for a loaded machine.
  EXPECT_GE(restored, at_kill - 40) << "killed with " << at_kill << ", restored " << restored;
}

TEST_F(StorageRestartTest, ADamagedFileIsIgnoredWithALogLineAndReplaced) {
  std::ofstream(dir_ + "/latencyd.state", std::ios::binary) << "LATENCYD\x01garbage";
  auto first = Start();
  EXPECT_NE(first->Stderr().find("level=warn msg=\"ignoring the saved endpoint state\""),
            std::string::npos)
      << first->Stderr();
  EXPECT_NE(first->Stderr().find("err=\"truncated header\""), std::string::npos);
  WaitForSamples(*first, 10);
  first->Signal(SIGTERM);
  ASSERT_EQ(first->WaitForExit(seconds(10)), 0);

  auto second = Start();
  EXPECT_GE(Samples(*second), 10);
  EXPECT_NE(second->Stderr().find("restored=1"), std::string::npos) << second->Stderr();
}

TEST_F(StorageRestartTest, StateDirectoryIsTheDefaultAndAnEmptyPathTurnsItOff) {
  const std::map<std::string, std::string> systemd_env = {{"STATE_DIRECTORY", dir_}};
  {
    DaemonProcess off(config_, systemd_env, {"--storage.path="});
    ASSERT_TRUE(off.WaitUntilServing()) << off.Stderr();
    off.Signal(SIGTERM);
    ASSERT_EQ(off.WaitForExit(seconds(10)), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/latencyd.state"));
  DaemonProcess on(config_, systemd_env);
  ASSERT_TRUE(on.WaitUntilServing()) << on.Stderr();
  on.Signal(SIGTERM);
  ASSERT_EQ(on.WaitForExit(seconds(10)), 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/latencyd.state"));
}

}  // namespace
}  // namespace latencyd
