// The endpoint files watcher against a real directory: it reloads when a file matching the
// globs is added or rewritten (also between the config load its baseline stands for and its
// own start), and never while nothing changed.
#include "daemon/endpoint_files_watcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "test/integration/wait_for.h"

namespace latencyd {
namespace {

using namespace std::chrono_literals;
using latencyd::testing::WaitFor;

class EndpointFilesWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "watcher_XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    patterns_ = {dir_ + "/*.yml"};
  }
  void TearDown() override {
    std::remove((dir_ + "/a.yml").c_str());
    std::remove(dir_.c_str());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  // Polls every 5 ms; counts polls and reloads.
  std::unique_ptr<EndpointFilesWatcher> Watch(std::string baseline) {
    return std::make_unique<EndpointFilesWatcher>(
        5ms,
        [this] {
          ++polls_;
          return patterns_;
        },
        [this] { ++reloads_; }, std::move(baseline));
  }

  std::string dir_;
  std::vector<std::string> patterns_;
  std::atomic<int> polls_{0};
  std::atomic<int> reloads_{0};
};

TEST_F(EndpointFilesWatcherTest, AFileAddedBeforeTheWatcherStartedIsPickedUp) {
  // The config was loaded when the directory was empty; the file lands before the watcher runs.
  const std::string baseline = EndpointFilesFingerprint(patterns_);
  Write("a.yml", "- { name: a, url: \"http://127.0.0.1:1/\", class: core }\n");
  auto watcher = Watch(baseline);
  EXPECT_TRUE(WaitFor([&] { return reloads_ >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return polls_ >= 10; }));
  EXPECT_EQ(reloads_, 1);  // once per change, not once per poll
}

TEST_F(EndpointFilesWatcherTest, NothingChangedNothingReloads) {
  Write("a.yml", "- { name: a, url: \"http://127.0.0.1:1/\", class: core }\n");
  auto watcher = Watch(EndpointFilesFingerprint(patterns_));
  ASSERT_TRUE(WaitFor([&] { return polls_ >= 10; }));
  EXPECT_EQ(reloads_, 0);
}

TEST_F(EndpointFilesWatcherTest, ARewrittenFileReloads) {
  Write("a.yml", "- { name: a, url: \"http://127.0.0.1:1/\", class: core }\n");
  auto watcher = Watch(EndpointFilesFingerprint(patterns_));
  ASSERT_TRUE(WaitFor([&] { return polls_ >= 2; }));
  Write("a.yml", "- { name: a, url: \"http://127.0.0.1:2/\", class: core }\n# rewritten\n");
  EXPECT_TRUE(WaitFor([&] { return reloads_ == 1; }));
}

}  // namespace
}  // namespace latencyd
