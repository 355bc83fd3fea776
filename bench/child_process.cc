// ChildProcess and /proc readers.
#include "bench/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace latencyd::bench {
namespace {

// PIDs the signal handler kills; a fixed array so the handler stays async-signal-safe.
constexpr int kMaxChildren = 64;
std::atomic<pid_t> g_children[kMaxChildren];

void Register(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void Unregister(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// SIGTERM first so nginx's master takes its workers down, then SIGKILL what is left.
void KillChildrenAndExit(int signal_number) {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) kill(pid, SIGTERM);
  }
  timespec grace{1, 0};
  nanosleep(&grace, nullptr);
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) kill(pid, SIGKILL);
  }
  _exit(128 + signal_number);
}

// Runs in the forked child: only async-signal-safe calls (another thread of the parent may
// have held the allocator's lock at fork), so `argv` is built before the fork.
[[noreturn]] void ExecChild(char* const* argv, const std::string& out, const std::string& err) {
  int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int null_fd = open("/dev/null", O_RDONLY);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) _exit(127);
  dup2(null_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv);
  _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                           const std::string& stderr_path) {
  if (argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  if (access(argv[0].c_str(), X_OK) != 0) {
    throw std::runtime_error("not executable: " + argv[0]);
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) ExecChild(args.data(), stdout_path, stderr_path);
  Register(pid_);
}

ChildProcess::~ChildProcess() { Stop(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  Unregister(pid_);
  status_ = status;
  pid_ = -1;
  return false;
}

int ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return status_;
  pid_t pid = pid_;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status_, 0);
  Unregister(pid);
  pid_ = -1;
  return status_;
}

void InstallCleanupOnSignals() {
  struct sigaction action {};
  action.sa_handler = KillChildrenAndExit;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::int64_t ProcessCpuNanos(pid_t pid) {
  clockid_t clock;
  timespec ts{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::int64_t ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {

// Sums `per_thread(text of /proc/PID/task/TID/<file>)` over the threads of `pid`; -1 when the
// process is gone.
std::int64_t SumOverThreads(pid_t pid, const char* file,
                            std::int64_t (*per_thread)(const std::string& text)) {
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return -1;
  std::int64_t total = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    total += per_thread(ReadFileText(task_dir + "/" + entry->d_name + "/" + file));
  }
  closedir(dir);
  return total;
}

std::int64_t SwitchesInStatus(const std::string& text) {
  std::istringstream status(text);
  std::int64_t total = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.find("ctxt_switches:") != std::string::npos) {
      total += std::atoll(line.c_str() + line.find(':') + 1);
    }
  }
  return total;
}

std::int64_t WaitInSchedstat(const std::string& text) {
  std::istringstream fields(text);
  std::int64_t running = 0, waiting = 0;
  return fields >> running >> waiting ? waiting : 0;
}

}  // namespace

std::int64_t ContextSwitches(pid_t pid) { return SumOverThreads(pid, "status", SwitchesInStatus); }

std::int64_t RunQueueWaitNanos(pid_t pid) {
  return SumOverThreads(pid, "schedstat", WaitInSchedstat);
}

std::vector<pid_t> ThreadIds(pid_t pid) {
  std::vector<pid_t> tids;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return tids;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') tids.push_back(std::atoi(entry->d_name));
  }
  closedir(dir);
  return tids;
}

std::map<pid_t, std::int64_t> ThreadCpuNanosByTid(pid_t pid) {
  std::map<pid_t, std::int64_t> nanos;
  for (pid_t tid : ThreadIds(pid)) {
    std::string schedstat = ReadFileText("/proc/" + std::to_string(pid) + "/task/" +
                                         std::to_string(tid) + "/schedstat");
    if (!schedstat.empty()) nanos[tid] = std::atoll(schedstat.c_str());
  }
  return nanos;
}

std::map<pid_t, std::int64_t> ThreadCpuTicks(pid_t pid) {
  std::map<pid_t, std::int64_t> ticks;
  for (pid_t tid : ThreadIds(pid)) {
    std::string stat =
        ReadFileText("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat");
    std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    std::int64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 of stat(5)
      if (i == 14) utime = std::atoll(field.c_str());
      if (i == 15) stime = std::atoll(field.c_str());
    }
    ticks[tid] = utime + stime;
  }
  return ticks;
}

bool PinThread(pid_t tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) {
    CPU_SET(cpu, &set);
  } else {
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < cpus && i < CPU_SETSIZE; ++i) CPU_SET(static_cast<int>(i), &set);
  }
  return sched_setaffinity(tid, sizeof(set), &set) == 0;
}

bool PinProcess(pid_t pid, int cpu) {
  std::vector<pid_t> tids = ThreadIds(pid);
  bool all = !tids.empty();
  for (pid_t tid : tids) all = PinThread(tid, cpu) && all;
  return all;
}

std::int64_t ThreadContextSwitches() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nvcsw + usage.ru_nivcsw;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

MemoryFigures ReadMemory(pid_t pid) {
  MemoryFigures figures;
  std::istringstream status(ReadFileText("/proc/" + std::to_string(pid) + "/status"));
  std::string key;
  std::int64_t kib = 0;
  std::string line;
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    if (!(fields >> key >> kib)) continue;
    if (key == "VmRSS:") figures.rss_bytes = kib * 1024;
    if (key == "VmHWM:") figures.peak_bytes = kib * 1024;
  }
  return figures;
}

std::vector<pid_t> ChildPids(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
  std::istringstream text(ReadFileText(path));
  std::vector<pid_t> pids;
  pid_t child = 0;
  while (text >> child) pids.push_back(child);
  return pids;
}

}  // namespace latencyd::bench
