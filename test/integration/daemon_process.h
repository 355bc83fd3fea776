// Runs the real latencyd binary for tests: a temporary directory with its config, stderr
// captured to a file, the HTTP port read from its startup log. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace latencyd::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs latencyd with `args` to completion (for --version, --config.check, probe), with `env`
// added to its environment.
CommandResult RunLatencyd(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

class DaemonProcess {
 public:
  // Writes `config_yaml` to a temp dir and starts the daemon on 127.0.0.1:0 with `env` added
  // to its environment and `args` to its flags; `max_open_files` > 0 sets its RLIMIT_NOFILE
  // (like `ulimit -n`).
  explicit DaemonProcess(const std::string& config_yaml,
                         const std::map<std::string, std::string>& env = {},
                         const std::vector<std::string>& args = {}, int max_open_files = 0);
  ~DaemonProcess();  // SIGKILL if still running, removes the temp dir

  // Waits until the daemon logged its port; false if it exited or the deadline passed.
  bool WaitUntilServing(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& dir() const { return dir_; }
  std::string Stderr() const;

  void RewriteConfig(const std::string& config_yaml) const;
  // Writes (atomically, by rename) or removes a file relative to dir().
  void WriteFile(const std::string& relative_path, const std::string& text) const;
  void RemoveFile(const std::string& relative_path) const;
  void Signal(int signal_number) const;
  // Waits for exit; the exit code, or nullopt when the deadline passed.
  std::optional<int> WaitForExit(std::chrono::milliseconds deadline);

  // GET path on the daemon; the body, or nullopt on a transport error or non-200.
  std::optional<std::string> Get(const std::string& path) const;
  int PostStatus(const std::string& path, std::string* body = nullptr) const;

  int ThreadCount() const;  // entries of /proc/PID/task
  int OpenFdCount() const;  // entries of /proc/PID/fd

 private:
  std::string dir_;
  std::string config_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
};

// The values of `label` over every sample of `metric`.
std::set<std::string> LabelValues(const std::string& exposition, const std::string& metric,
                                  const std::string& label);

// The value of the first sample of `metric` whose labels include all of `labels`.
std::optional<double> MetricValue(const std::string& exposition, const std::string& metric,
                                  const std::map<std::string, std::string>& labels = {});

}  // namespace latencyd::testing
