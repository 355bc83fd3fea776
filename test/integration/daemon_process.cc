#include "test/integration/daemon_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/wait_for.h"
#include "test/support/proc_entries.h"

namespace latencyd::testing {
namespace {

std::string MakeTempDir() {
  char pattern[] = "/tmp/latencyd-test-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path + ".tmp");
  out << text;
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());  // atomic, like an operator's deploy
}

// The environment of the child: ours with `overrides` set, as "KEY=value" strings.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (overrides.count(text.substr(0, text.find('='))) == 0) entries.push_back(text);
  }
  for (const auto& [key, value] : overrides) entries.push_back(key + "=" + value);
  return entries;
}

std::vector<char*> NullTerminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// fork+exec latencyd with stdout/stderr redirected to files. Everything that allocates is done
// before fork: the test process has other threads (fixture servers), and one of them may hold
// the allocator's lock at the moment of fork, so the child calls only async-signal-safe
// functions until execve.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::map<std::string, std::string>& env,
            int max_open_files = 0) {
  // LATENCYD_TEST_BINARY runs the same tests against another build (e.g. an older commit's,
  // to see a new test fail there).
  const char* other_binary = getenv("LATENCYD_TEST_BINARY");
  std::vector<std::string> argv_strings = {other_binary != nullptr ? other_binary
                                                                   : LATENCYD_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv = NullTerminated(argv_strings);
  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<char*> envp = NullTerminated(env_strings);
  const rlimit limit{static_cast<rlim_t>(max_open_files), static_cast<rlim_t>(max_open_files)};

  pid_t pid = fork();
  if (pid != 0) return pid;
  if (max_open_files > 0 && setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(126);
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(out, 1);
  dup2(err, 2);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

}  // namespace

CommandResult RunLatencyd(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  std::string dir = MakeTempDir();
  pid_t pid = Spawn(args, dir + "/out", dir + "/err", env);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(dir + "/out");
  result.err = ReadFile(dir + "/err");
  std::system(("rm -rf " + dir).c_str());
  return result;
}

DaemonProcess::DaemonProcess(const std::string& config_yaml,
                             const std::map<std::string, std::string>& env,
                             const std::vector<std::string>& args, int max_open_files)
    : dir_(MakeTempDir()),
      config_path_(dir_ + "/latencyd.yml"),
      stderr_path_(dir_ + "/stderr.log") {
  WriteTextFile(config_path_, config_yaml);
  std::vector<std::string> all_args = {"--config.file=" + config_path_,
                                       "--web.listen-address=127.0.0.1:0", "--log.level=debug"};
  all_args.insert(all_args.end(), args.begin(), args.end());
  pid_ = Spawn(all_args, dir_ + "/stdout.log", stderr_path_, env, max_open_files);
}

DaemonProcess::~DaemonProcess() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::system(("rm -rf " + dir_).c_str());
}

bool DaemonProcess::WaitUntilServing(std::chrono::milliseconds deadline) {
  return WaitFor(
             [&] {
               std::string log = Stderr();
               // The logfmt spelling, or the --log.format=json one.
               for (std::string_view key : {" port=", "\"port\":\""}) {
                 std::size_t at = log.find(key);
                 if (at == std::string::npos) continue;
                 port_ = std::atoi(log.c_str() + at + key.size());
                 return true;
               }
               return waitpid(pid_, nullptr, WNOHANG) != 0;
             },
             deadline) &&
         port_ > 0;
}

std::string DaemonProcess::Stderr() const { return ReadFile(stderr_path_); }

void DaemonProcess::RewriteConfig(const std::string& config_yaml) const {
  WriteTextFile(config_path_, config_yaml);
}

void DaemonProcess::WriteFile(const std::string& relative_path, const std::string& text) const {
  std::string path = dir_ + "/" + relative_path;
  std::system(("mkdir -p \"$(dirname '" + path + "')\"").c_str());
  WriteTextFile(path, text);
}

void DaemonProcess::RemoveFile(const std::string& relative_path) const {
  std::remove((dir_ + "/" + relative_path).c_str());
}

void DaemonProcess::Signal(int signal_number) const { kill(pid_, signal_number); }

std::optional<int> DaemonProcess::WaitForExit(std::chrono::milliseconds deadline) {
  int status = 0;
  bool done = WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, deadline);
  if (!done) return std::nullopt;
  exited_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<std::string> DaemonProcess::Get(const std::string& path) const {
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Get(path.c_str());
  if (!response || response->status != 200) return std::nullopt;
  return response->body;
}

int DaemonProcess::PostStatus(const std::string& path, std::string* body) const {
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Post(path.c_str());
  if (!response) return -1;
  if (body != nullptr) *body = response->body;
  return response->status;
}

int DaemonProcess::ThreadCount() const {
  return CountEntries("/proc/" + std::to_string(pid_) + "/task");
}

int DaemonProcess::OpenFdCount() const { return OpenDescriptorCount(pid_); }

std::set<std::string> LabelValues(const std::string& exposition, const std::string& metric,
                                  const std::string& label) {
  std::set<std::string> values;
  std::istringstream lines(exposition);
  const std::string key = label + "=\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, metric.size() + 1, metric + "{") != 0) continue;
    std::size_t at = line.find(key);
    if (at == std::string::npos) continue;
    at += key.size();
    values.insert(line.substr(at, line.find('"', at) - at));
  }
  return values;
}

std::optional<double> MetricValue(const std::string& exposition, const std::string& metric,
                                  const std::map<std::string, std::string>& labels) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, metric.size(), metric) != 0) continue;
    char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const auto& [key, value] : labels) {
      all = all && line.find(key + "=\"" + value + "\"") != std::string::npos;
    }
    if (!all) continue;
    return std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return std::nullopt;
}

}  // namespace latencyd::testing
