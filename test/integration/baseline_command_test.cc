// `latencyd baseline`: the real binary probes real loopback endpoints and writes JSON that
// the config's own pytest-benchmark reader accepts, with medians of what it measured.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "test/integration/daemon_process.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;

class BaselineCommandTest : public ::testing::Test {
 protected:
  BaselineCommandTest() {
    char pattern[] = "/tmp/latencyd-baseline-test.XXXXXX";
    dir_ = mkdtemp(pattern);
    server_.SetRoute("fast", milliseconds(1));
    server_.SetRoute("slow", milliseconds(9));
  }
  ~BaselineCommandTest() override {
    for (const char* name : {"/latencyd.yml", "/baseline.json", "/release.yml"}) {
      unlink((dir_ + name).c_str());
    }
    rmdir(dir_.c_str());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  testing::FixtureServer server_;
};

TEST_F(BaselineCommandTest, WritesMediansTheBaselineKeyReads) {
  Write("latencyd.yml",
        "defaults: { interval: 50ms, window: 10s }\nendpoints:\n"
        "  - { name: core_fast, url: \"" +
            server_.Url("/r/fast") +
            "\", class: core }\n"
            "  - { name: core_slow, url: \"" +
            server_.Url("/r/slow") + "\", class: core }\n");
  testing::CommandResult run =
      testing::RunLatencyd({"baseline", "--config.file=" + dir_ + "/latencyd.yml",
                            "--duration=1500ms", "--output=" + dir_ + "/baseline.json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string json = Read("baseline.json");
  EXPECT_NE(json.find("\"fullname\": \"latencyd::core_slow\""), std::string::npos) << json;

  // The file a release pipeline hands the daemon: the existing reader takes it as it is.
  const std::string release =
      "baseline: { pytest_benchmark: baseline.json }\nendpoints:\n"
      "  - { name: core_fast, url: \"http://127.0.0.1:1/\", class: core, baseline: core_fast }\n"
      "  - { name: core_slow, url: \"http://127.0.0.1:1/\", class: core, baseline: core_slow }\n";
  Write("release.yml", release);
  const config::Config config = config::LoadConfigFile(dir_ + "/release.yml");
  const auto fast = *config.endpoints[0].baseline, slow = *config.endpoints[1].baseline;
  // Fresh connections on loopback: at least the server's delay, at most a busy machine's
  // oversleep above it.
  EXPECT_GE(fast, milliseconds(1));
  EXPECT_LT(fast, milliseconds(6));
  EXPECT_GE(slow, milliseconds(9));
  EXPECT_LT(slow, milliseconds(15));
}

TEST_F(BaselineCommandTest, AnEndpointThatNeverAnsweredIsLeftOutAndFailsTheRun) {
  Write("latencyd.yml",
        "defaults: { interval: 50ms }\nendpoints:\n"
        "  - { name: up, url: \"" +
            server_.Url("/r/fast") +
            "\", class: core }\n"
            "  - { name: down, url: \"http://127.0.0.1:" +
            std::to_string(testing::ClosedPort()) + "/\", class: core }\n");
  testing::CommandResult run = testing::RunLatencyd(
      {"baseline", "--config.file=" + dir_ + "/latencyd.yml", "--duration=500ms", "--output=-"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("\"name\": \"up\""), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("\"name\": \"down\""), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("down never answered"), std::string::npos) << run.err;
}

TEST(BaselineCommandLineTest, BadDurationIsUsageError) {
  EXPECT_EQ(testing::RunLatencyd({"baseline", "--duration=soon"}).exit_code, 2);
}

}  // namespace
}  // namespace latencyd
