// Re-reads the config when its endpoint_files change (written by service discovery, say):
// polls the files the globs match and reloads when one is added, removed or rewritten and has
// then stayed as it is for one poll (so a file caught half-written is not read).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace latencyd {

// What the globs `patterns` match now, with each file's inode, size, and modification and
// change times: two fingerprints differ when a file was added, removed, written or replaced
// (renamed over) in between.
std::string EndpointFilesFingerprint(const std::vector<std::string>& patterns);

// Decides, poll by poll, when the files have changed and settled. A writer that truncates and
// then writes (as most editors and `>` do) can be caught in between; reloading then would read
// a half-written file and reload again a poll later. So a change is acted on only when the
// same fingerprint is seen on two polls in a row.
class SettledChange {
 public:
  // `baseline`: the fingerprint the running config was loaded from.
  explicit SettledChange(std::string baseline) : acted_on_(std::move(baseline)) {}

  // Takes this poll's fingerprint; true when the config should be reloaded now.
  bool Observe(const std::string& now);

 private:
  std::string acted_on_;   // the fingerprint last reloaded from (or the baseline)
  std::string last_seen_;  // the previous poll's fingerprint
  bool seen_any_ = false;  // whether last_seen_ holds a poll yet
};

// Polls on its own thread every `interval`, so a settled change reloads within two intervals.
// Thread-safe; stops in its destructor.
class EndpointFilesWatcher {
 public:
  // `patterns` gives the running config's endpoint_files globs; `reload` reloads the config.
  // `baseline` is the EndpointFilesFingerprint taken before the running config was loaded:
  // the first poll compares with it, so a file that changed between that load and this
  // watcher's start is picked up (a baseline taken here would hide it for good).
  EndpointFilesWatcher(std::chrono::milliseconds interval,
                       std::function<std::vector<std::string>()> patterns,
                       std::function<void()> reload, std::string baseline);
  ~EndpointFilesWatcher();
  EndpointFilesWatcher(const EndpointFilesWatcher&) = delete;
  EndpointFilesWatcher& operator=(const EndpointFilesWatcher&) = delete;

 private:
  void Run();

  const std::chrono::milliseconds interval_;
  const std::function<std::vector<std::string>()> patterns_;
  const std::function<void()> reload_;
  SettledChange change_;  // only the watcher's thread uses it
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace latencyd
