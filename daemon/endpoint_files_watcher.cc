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
        // The inode and change time catch a file renamed over another of the same size
        // within one tick of the (coarse) file system clock.
        fingerprint += std::string(matches.gl_pathv[i]) + '\0' + std::to_string(info.st_ino) + ':' +
                       std::to_string(info.st_size) + ':' + std::to_string(info.st_mtim.tv_sec) +
                       '.' + std::to_string(info.st_mtim.tv_nsec) + ':' +
                       std::to_string(info.st_ctim.tv_sec) + '.' +
                       std::to_string(info.st_ctim.tv_nsec) + '\n';
      }
    }
    globfree(&matches);
  }
  return fingerprint;
}

bool SettledChange::Observe(const std::string& now) {
  const bool settled = seen_any_ && now == last_seen_;
  last_seen_ = now;
  seen_any_ = true;
  if (!settled || now == acted_on_) return false;
  // Remembered whatever the reload's outcome: a bad file is retried once it changes again,
  // not every poll.
  acted_on_ = now;
  return true;
}

EndpointFilesWatcher::EndpointFilesWatcher(std::chrono::milliseconds interval,
                                           std::function<std::vector<std::string>()> patterns,
                                           std::function<void()> reload, std::string baseline)
    : interval_(interval),
      patterns_(std::move(patterns)),
      reload_(std::move(reload)),
      change_(std::move(baseline)),
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
    if (change_.Observe(EndpointFilesFingerprint(patterns_()))) {
      log::Info("endpoint files changed, reloading");
      reload_();
    }
    lock.lock();
  }
}

}  // namespace latencyd
