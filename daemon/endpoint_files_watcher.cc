#include "daemon/endpoint_files_watcher.h"

#include <glob.h>
#include <sys/stat.h>

#include "daemon/log.h"

namespace latencyd {

std::string EndpointFilesFingerprint(const std::vector<std::string>& patterns) {
  std::string fingerprint;
  for (const std::string& pattern : patterns) {
    glob_t matches{};
    if (glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        struct stat info {};
        if (stat(matches.gl_pathv[i], &info) != 0) continue;
        fingerprint += std::string(matches.gl_pathv[i]) + '\0' + std::to_string(info.st_size) +
                       ':' + std::to_string(info.st_mtim.tv_sec) + '.' +
                       std::to_string(info.st_mtim.tv_nsec) + '\n';
      }
    }
    globfree(&matches);
  }
  return fingerprint;
}

EndpointFilesWatcher::EndpointFilesWatcher(std::chrono::milliseconds interval,
                                           std::function<std::vector<std::string>()> patterns,
                                           std::function<void()> reload, std::string baseline)
    : interval_(interval),
      patterns_(std::move(patterns)),
      reload_(std::move(reload)),
      last_(std::move(baseline)),
      thread_([this] { Run(); }) {}

EndpointFilesWatcher::~EndpointFilesWatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  thread_.join();
}

void EndpointFilesWatcher::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    std::string now = EndpointFilesFingerprint(patterns_());
    if (now != last_) {
      log::Info("endpoint files changed, reloading");
      // Remembered whatever the reload's outcome: a bad file is retried once it changes
      // again, not every poll.
      last_ = now;
      reload_();
    }
    lock.lock();
  }
}

}  // namespace latencyd
