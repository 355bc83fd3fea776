// Saving and restoring endpoint state through the state store, with injected clocks: windows
// and history come back on the new process's clock, minus what aged out; changed endpoints,
// other endpoint sets and damaged files leave the endpoints empty with a log line.
#include "daemon/storage/state_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/log.h"
#include "daemon/schedule/monitor.h"
#include "daemon/storage/settings_fingerprint.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kGrid = 1'700'000'100;  // a 5-minute bucket start

probes::WallTime Wall(double unix) {
  return probes::WallTime(
      std::chrono::duration_cast<probes::WallTime::duration>(std::chrono::duration<double>(unix)));
}

class StateStoreTest : public ::testing::Test {
 protected:
  StateStoreTest() {
    dir_ = ::testing::TempDir() + "state_store_test_" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    endpoint_.name = "api";
    endpoint_.url = "http://127.0.0.1:1/";
    endpoint_.class_name = "core";
    endpoint_.interval = seconds(1);
    endpoint_.timeout = seconds(1);
    endpoint_.window = seconds(60);
    endpoint_.quantiles = {0.5};
    core_.name = "core";
    core_.threshold = milliseconds(5);
    core_.min_samples = 1;
  }
  ~StateStoreTest() override { std::filesystem::remove_all(dir_); }

  // A state with one success per second from kGrid + 1 to kGrid + 100; the steady clock of
  // this "process" reads unix time + 1000 s.
  std::unique_ptr<EndpointState> Recorded() {
    auto state = std::make_unique<EndpointState>(endpoint_, core_, std::vector<double>{0.005});
    for (int i = 1; i <= 100; ++i) {
      probes::ProbeResult r;
      r.ok = true;
      r.reason = probes::FailureReason::kNone;
      r.total = milliseconds(i % 10 + 1);
      r.finished_wall = Wall(kGrid + i);
      state->Record(r, SteadyTime(seconds(1000 + kGrid + i)));
    }
    return state;
  }

  // Writes a file holding `state` as saved at unix time kGrid + 100.
  void Save(const EndpointState& state, const config::Endpoint& endpoint) {
    EndpointState::Persisted persisted = state.Persist();
    EndpointRecord record;
    record.name = endpoint.name;
    record.settings = SettingsFingerprint(endpoint);
    for (auto sample : persisted.samples) {
      sample.at_ns -= 1000'000'000'000ll;  // steady -> unix, as the store does
      record.samples.push_back(sample);
    }
    record.open_bucket_index = persisted.open_bucket_index;
    record.open_counts = persisted.open_counts;
    record.open_bucket_since_unix_ns = persisted.open_bucket_since_ns - 1000'000'000'000ll;
    record.closed_buckets = persisted.closed_buckets;
    record.last = persisted.last;
    record.detector = persisted.detector;
    StateFile file;
    file.saved_unix_ns = (kGrid + 100) * 1'000'000'000ll;
    file.endpoints.push_back(record);
    WriteFile(EncodeStateFile(file));
  }
  void WriteFile(const std::string& bytes) {
    std::ofstream(dir_ + "/latencyd.state", std::ios::binary) << bytes;
  }

  // Restores into a fresh state at unix time `now` on a steady clock reading unix + 5 s.
  std::pair<bool, RestoreSummary> Restore(EndpointState& state, double now,
                                          const config::Endpoint& endpoint) {
    StateStore store(dir_);
    store.Load();
    const bool restored = store.RestoreInto(
        endpoint, state,
        SteadyTime(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(now + 5))),
        Wall(now));
    return {restored, store.FinishRestore()};
  }

  std::string dir_;
  config::Endpoint endpoint_;
  config::ClassConfig core_;
};

TEST_F(StateStoreTest, RestoresTheWindowAndHistoryMinusWhatAgedOut) {
  const auto before = Recorded();
  const EndpointSnapshot saved = before->Snapshot(SteadyTime(seconds(1000 + kGrid + 100)),
                                                  Wall(kGrid + 100), SnapshotDetail::kWithHistory);
  ASSERT_EQ(saved.window_samples, 60u);
  Save(*before, endpoint_);

  // Restarted 10 s later: samples older than 60 s by then (kGrid + 50 and before) are gone.
  EndpointState after(endpoint_, core_, {0.005});
  const auto [restored, summary] = Restore(after, kGrid + 110, endpoint_);
  EXPECT_TRUE(restored);
  EXPECT_EQ(summary.restored, 1u);
  EXPECT_EQ(summary.samples, 50u);
  const SteadyTime now(seconds(kGrid + 110 + 5));
  const EndpointSnapshot s = after.Snapshot(now, Wall(kGrid + 110), SnapshotDetail::kWithHistory);
  EXPECT_EQ(s.window_samples, 50u);  // kGrid + 51 ... kGrid + 100
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.0055);
  ASSERT_EQ(s.history.size(), saved.history.size());
  EXPECT_EQ(s.history.back().successes, 100u);
  EXPECT_EQ(s.history.back().start_unix_seconds, kGrid);
  EXPECT_DOUBLE_EQ(s.history.back().median_seconds, saved.history.back().median_seconds);
  // The state reads as before too, with its "since" (no "no data" until the first probe).
  EXPECT_TRUE(s.has_result);
  EXPECT_TRUE(s.last_success);
  EXPECT_EQ(s.last_probe_timestamp_seconds, saved.last_probe_timestamp_seconds);
  EXPECT_EQ(s.breached, saved.breached);
  EXPECT_EQ(s.breached_since_seconds, saved.breached_since_seconds);
  EXPECT_EQ(s.healthy_since_seconds, saved.healthy_since_seconds);

  // The open bucket closes at its time with the restored samples it still has.
  const EndpointSnapshot later =
      after.Snapshot(now + seconds(200), Wall(kGrid + 310), SnapshotDetail::kWithHistory);
  ASSERT_EQ(later.history.size(), 2u);
  EXPECT_EQ(later.history[0].successes, 100u);
  EXPECT_DOUBLE_EQ(later.history[0].median_seconds, 0.0055);
}

TEST_F(StateStoreTest, ABreachedEndpointIsStillBreachedAfterARestartWithItsSince) {
  auto before = std::make_unique<EndpointState>(endpoint_, core_, std::vector<double>{0.005});
  for (int i = 1; i <= 60; ++i) {
    probes::ProbeResult r;
    r.ok = true;
    r.reason = probes::FailureReason::kNone;
    r.total = milliseconds(8);
    r.finished_wall = Wall(kGrid + i);
    before->Record(r, SteadyTime(seconds(1000 + kGrid + i)));
  }
  const EndpointSnapshot saved =
      before->Snapshot(SteadyTime(seconds(1000 + kGrid + 60)), Wall(kGrid + 60));
  ASSERT_TRUE(saved.breached);
  Save(*before, endpoint_);

  EndpointState after(endpoint_, core_, {0.005});
  ASSERT_TRUE(Restore(after, kGrid + 70, endpoint_).first);
  const EndpointSnapshot s = after.Snapshot(SteadyTime(seconds(kGrid + 75)), Wall(kGrid + 70));
  EXPECT_TRUE(s.breached) << "the verdict survives, not re-formed from new samples";
  EXPECT_EQ(s.verdict_since_seconds, saved.verdict_since_seconds);
  EXPECT_EQ(s.breached_since_seconds, saved.breached_since_seconds);
  EXPECT_EQ(after.DetectorState(), before->DetectorState());

  // Restarted with another budget: the old evidence answered another question.
  core_.threshold = milliseconds(20);
  EndpointState rejudged(endpoint_, core_, {0.005});
  ASSERT_TRUE(Restore(rejudged, kGrid + 70, endpoint_).first);
  EXPECT_FALSE(rejudged.Snapshot(SteadyTime(seconds(kGrid + 75)), Wall(kGrid + 70)).breached);
  EXPECT_EQ(rejudged.DetectorState(), BreachDetectorState{});
}

TEST_F(StateStoreTest, AChangedEndpointStartsEmpty) {
  Save(*Recorded(), endpoint_);
  config::Endpoint changed = endpoint_;
  changed.timeout = milliseconds(500);
  EndpointState after(changed, core_, {0.005});
  const auto [restored, summary] = Restore(after, kGrid + 110, changed);
  EXPECT_FALSE(restored);
  EXPECT_EQ(summary.settings_changed, 1u);
  EXPECT_EQ(after.Snapshot(SteadyTime(seconds(kGrid + 115)), Wall(kGrid + 110)).window_samples, 0u);
}

TEST_F(StateStoreTest, FingerprintFollowsSameProbeSettings) {
  std::vector<std::function<void(config::Endpoint&)>> probe_changes = {
      [](auto& e) { e.url += "x"; },
      [](auto& e) { e.method = "HEAD"; },
      [](auto& e) {
        e.headers.push_back({"a", "b"});
      },
      [](auto& e) { e.body = "x"; },
      [](auto& e) {
        e.expect.status = {{200, 200}};
      },
      [](auto& e) { e.expect.body_regex = "ok"; },
      [](auto& e) { e.interval = seconds(2); },
      [](auto& e) { e.timeout = milliseconds(999); },
      [](auto& e) { e.keepalive = true; },
      [](auto& e) { e.max_body = 1; },
      [](auto& e) { e.max_redirects = 9; },
      [](auto& e) { e.tls.insecure_skip_verify = true; },
      [](auto& e) { e.tls.ca_file = "ca"; },
      [](auto& e) { e.tls.cert_file = "c"; },
      [](auto& e) { e.tls.key_file = "k"; },
      [](auto& e) { e.tls.server_name = "s"; },
      [](auto& e) { e.header_files["X-Key"] = "/run/key"; },
      [](auto& e) { e.credentials.bearer_token_file = "/run/token"; },
      [](auto& e) { e.allow_insecure_redirect = true; },
      [](auto& e) { e.http_version = config::HttpVersion::k2; },
  };
  for (std::size_t i = 0; i < probe_changes.size(); ++i) {
    config::Endpoint changed = endpoint_;
    probe_changes[i](changed);
    EXPECT_FALSE(changed.SameProbeSettings(endpoint_)) << i;
    EXPECT_NE(SettingsFingerprint(changed), SettingsFingerprint(endpoint_)) << i;
  }
  config::Endpoint judged_differently = endpoint_;
  judged_differently.window = seconds(600);
  judged_differently.class_name = "async";
  judged_differently.labels = {{"team", "x"}};
  judged_differently.credentials.bearer_token = "rotated";  // a secret's content, not source
  EXPECT_TRUE(judged_differently.SameProbeSettings(endpoint_));
  EXPECT_EQ(SettingsFingerprint(judged_differently), SettingsFingerprint(endpoint_));
}

// Captures the log lines written while alive.
class LogCapture {
 public:
  LogCapture() {
    fflush(stderr);
    saved_ = dup(2);
    std::FILE* file = std::tmpfile();
    fd_ = dup(fileno(file));
    std::fclose(file);
    dup2(fd_, 2);
  }
  ~LogCapture() { Restore(); }
  std::string Text() {
    Restore();
    std::string text;
    char buffer[4096];
    lseek(fd_, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd_, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    return text;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  int saved_ = -1;
  int fd_ = -1;
};

TEST_F(StateStoreTest, DamagedOrForeignFilesAreIgnoredWithALogLine) {
  Save(*Recorded(), endpoint_);
  std::ifstream in(dir_ + "/latencyd.state", std::ios::binary);
  std::stringstream good;
  good << in.rdbuf();
  const std::string bytes = good.str();
  std::string wrong_version = bytes;
  wrong_version[8] = 9;
  std::string random_bytes(bytes.size(), 'x');
  for (std::size_t i = 0; i < random_bytes.size(); ++i)
    random_bytes[i] = static_cast<char>(i * 131);
  const struct {
    const char* what;
    std::string bytes;
    const char* logged;
  } cases[] = {
      {"truncated", bytes.substr(0, bytes.size() / 2), "checksum mismatch"},
      {"random bytes", random_bytes, "not a latencyd state file"},
      {"wrong version", wrong_version, "version 9, expected 1"},
      {"empty", "", "not a latencyd state file"},
  };
  log::Configure(log::Level::kInfo, log::Format::kLogfmt);
  for (const auto& c : cases) {
    WriteFile(c.bytes);
    EndpointState after(endpoint_, core_, {0.005});
    LogCapture capture;
    const auto [restored, summary] = Restore(after, kGrid + 110, endpoint_);
    const std::string logged = capture.Text();
    EXPECT_FALSE(restored) << c.what;
    EXPECT_EQ(after.Snapshot(SteadyTime(seconds(kGrid + 115)), Wall(kGrid + 110)).window_samples,
              0u)
        << c.what;
    EXPECT_NE(logged.find("level=warn msg=\"ignoring the saved endpoint state\""),
              std::string::npos)
        << c.what << ": " << logged;
    EXPECT_NE(logged.find(c.logged), std::string::npos) << c.what << ": " << logged;
  }

  // A valid file of another endpoint set: nothing restored, and said so.
  WriteFile(bytes);
  config::Endpoint other = endpoint_;
  other.name = "someone_else";
  EndpointState after(other, core_, {0.005});
  LogCapture capture;
  const auto [restored, summary] = Restore(after, kGrid + 110, other);
  EXPECT_FALSE(restored);
  EXPECT_EQ(summary.not_in_file, 1u);
  EXPECT_NE(capture.Text().find("ignoring the saved endpoint state: no endpoint matches"),
            std::string::npos);
}

}  // namespace
}  // namespace latencyd
