// Child processes the benchmarks start (the target, latencyd) and the figures read about any
// process from /proc: CPU time, resident memory, children. Every child is stopped by its PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace latencyd::bench {

// A process started with fork/exec, stdout and stderr sent to files. Stopped (SIGTERM, then
// SIGKILL after a grace period) by Stop() or the destructor. Not thread-safe.
class ChildProcess {
 public:
  ChildProcess() = default;
  // Throws std::runtime_error when fork or exec fails.
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once the process has exited (it is then reaped).
  bool Running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status, or -1 if not running.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// On SIGINT/SIGTERM/SIGHUP, stops every child still registered (SIGTERM, 1 s, SIGKILL), then
// exits, so an interrupted benchmark leaves nothing running.
void InstallCleanupOnSignals();

// Total CPU time (user + system, all threads, ns precision) consumed by `pid` so far, from
// its process CPU clock; -1 when unreadable.
std::int64_t ProcessCpuNanos(pid_t pid);
// CPU time of the calling thread, ns.
std::int64_t ThreadCpuNanos();

// Context switches (voluntary + involuntary) of every live thread of `pid` so far.
std::int64_t ContextSwitches(pid_t pid);
// Context switches of the calling thread so far.
std::int64_t ThreadContextSwitches();

// Time the live threads of `pid` spent runnable but waiting for a CPU (schedstat field 2),
// summed, ns: high values mean the machine, not the process, set the pace.
std::int64_t RunQueueWaitNanos(pid_t pid);

// The live threads of `pid` (its /proc/PID/task entries).
std::vector<pid_t> ThreadIds(pid_t pid);

// Restricts thread `tid` (0: the calling thread) to CPU `cpu`, or lets it run on every online
// CPU when `cpu` is kUnpinned. False on failure.
inline constexpr int kUnpinned = -1;
bool PinThread(pid_t tid, int cpu);
// Pins every live thread of `pid` to `cpu` (threads it creates later inherit the affinity of
// their creator). False when any thread could not be pinned.
bool PinProcess(pid_t pid, int cpu);

// CPU time of each live thread of `pid` so far, ns (schedstat field 1), by TID.
std::map<pid_t, std::int64_t> ThreadCpuNanosByTid(pid_t pid);

// CPU ticks (utime + stime, 1/sysconf(_SC_CLK_TCK) s) of each live thread of `pid`, by TID.
std::map<pid_t, std::int64_t> ThreadCpuTicks(pid_t pid);

struct MemoryFigures {
  std::int64_t rss_bytes = -1;   // VmRSS
  std::int64_t peak_bytes = -1;  // VmHWM
};
MemoryFigures ReadMemory(pid_t pid);

// Direct children of `pid` (e.g. the nginx workers of its master).
std::vector<pid_t> ChildPids(pid_t pid);

// Whole file as a string ("" when unreadable).
std::string ReadFileText(const std::string& path);

}  // namespace latencyd::bench
