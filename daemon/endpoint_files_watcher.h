// Re-reads the config when its endpoint_files change (written by service discovery, say):
// polls the files the globs match and reloads when one is added, removed or rewritten.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace latencyd {

// What the globs `patterns` match now, with each file's size and modification time: two
// fingerprints differ when a file was added, removed or written in between.
std::string EndpointFilesFingerprint(const std::vector<std::string>& patterns);

// Polls on its own thread every `interval`. Thread-safe; stops in its destructor.
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
  std::string last_;  // the fingerprint last acted on; only the watcher's thread uses it
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace latencyd
