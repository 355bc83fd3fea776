// The endpoint files watcher against a real directory: it reloads once when a file matching
// the globs is added or replaced (also between the config load its baseline stands for and its
// own start), and never while nothing changed. SettledChange, its poll-by-poll decision, is
// tested on its own with fingerprints given by the test (a half-written file is a state only
// a lucky poll would catch for real).
#include "daemon/endpoint_files_watcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

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
    std::remove((dir_ + "/a.yml.tmp").c_str());
    std::remove(dir_.c_str());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  // As service discovery writes: a whole new file renamed over the old one, so no poll can
  // see it half-written.
  void Replace(const std::string& name, const std::string& text) {
    Write(name + ".tmp", text);
    ASSERT_EQ(std::rename((dir_ + "/" + name + ".tmp").c_str(), (dir_ + "/" + name).c_str()), 0);
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

TEST_F(EndpointFilesWatcherTest, AReplacedFileReloadsOnce) {
  Write("a.yml", "- { name: a, url: \"http://127.0.0.1:1/\", class: core }\n");
  auto watcher = Watch(EndpointFilesFingerprint(patterns_));
  ASSERT_TRUE(WaitFor([&] { return polls_ >= 2; }));
  Replace("a.yml", "- { name: a, url: \"http://127.0.0.1:2/\", class: core }\n# rewritten\n");
  EXPECT_TRUE(WaitFor([&] { return reloads_ >= 1; }));
  const int polls_at_reload = polls_;
  ASSERT_TRUE(WaitFor([&] { return polls_ >= polls_at_reload + 10; }));
  EXPECT_EQ(reloads_, 1);
}

TEST(EndpointFilesFingerprintTest, AFileReplacedByOneOfTheSameSizeAndTimeChangesIt) {
  // As `rsync -t` or `cp -p` deliver it: a new file of the same size, with the old one's
  // modification time, renamed over the old one. Only the new inode tells them apart.
  std::string templ = ::testing::TempDir() + "fingerprint_XXXXXX";
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const std::string file = templ + "/a.yml", staged = templ + "/a.yml.tmp";
  std::ofstream(file) << "- { name: a, url: \"http://127.0.0.1:1/\", class: core }\n";
  const std::string before = EndpointFilesFingerprint({templ + "/*.yml"});
  std::ofstream(staged) << "- { name: a, url: \"http://127.0.0.1:2/\", class: core }\n";
  struct stat old_info {};
  ASSERT_EQ(stat(file.c_str(), &old_info), 0);
  const struct timespec times[2] = {old_info.st_atim, old_info.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, staged.c_str(), times, 0), 0);
  ASSERT_EQ(std::rename(staged.c_str(), file.c_str()), 0);
  EXPECT_NE(EndpointFilesFingerprint({templ + "/*.yml"}), before);
  std::remove(file.c_str());
  std::remove(templ.c_str());
}

TEST(SettledChangeTest, AChangeIsActedOnOnceItHoldsForOnePoll) {
  SettledChange change("baseline");
  EXPECT_FALSE(change.Observe("baseline"));
  EXPECT_FALSE(change.Observe("written"));  // just changed: maybe still being written
  EXPECT_TRUE(change.Observe("written"));   // the same a poll later: settled
  EXPECT_FALSE(change.Observe("written"));  // acted on already
}

TEST(SettledChangeTest, AHalfWrittenFileSeenOnceIsNeverReloadedFrom) {
  SettledChange change("old");
  EXPECT_FALSE(change.Observe("old"));
  EXPECT_FALSE(change.Observe("truncated"));  // caught between the truncation and the write
  EXPECT_FALSE(change.Observe("new"));
  EXPECT_TRUE(change.Observe("new"));
  EXPECT_FALSE(change.Observe("new"));
}

TEST(SettledChangeTest, AChangeBeforeTheFirstPollIsPickedUp) {
  SettledChange change("loaded from this");
  EXPECT_FALSE(change.Observe("changed before the watcher started"));
  EXPECT_TRUE(change.Observe("changed before the watcher started"));
}

TEST(SettledChangeTest, AChangeUndoneBeforeItSettledReloadsNothing) {
  SettledChange change("same");
  EXPECT_FALSE(change.Observe("briefly different"));
  EXPECT_FALSE(change.Observe("same"));
  EXPECT_FALSE(change.Observe("same"));
}

TEST(SettledChangeTest, AFileThatKeepsChangingIsReloadedOnlyOnceItStops) {
  SettledChange change("v0");
  for (const char* version : {"v1", "v2", "v3", "v4"}) EXPECT_FALSE(change.Observe(version));
  EXPECT_TRUE(change.Observe("v4"));
}

}  // namespace
}  // namespace latencyd
