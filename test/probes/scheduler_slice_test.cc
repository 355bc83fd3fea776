// RequestSchedulerSlice: a thread gets the short slice and keeps its nice value, and the probe
// engine's loops run with it. Read back from /proc/<tid>/sched ("se.slice", in ns), which
// kernels built without scheduler debugging do not have, and which reports a requested slice
// only from Linux 6.12: the tests skip where they cannot see it.
#include "probes/scheduler_slice.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"

namespace latencyd::probes {
namespace {

using namespace std::chrono_literals;

// The thread's scheduler slice in ns, or nothing when the kernel does not show it.
std::optional<long long> SliceOf(const std::string& sched_file) {
  std::ifstream in(sched_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("se.slice", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    return std::stoll(line.substr(colon + 1));
  }
  return std::nullopt;
}

std::string OwnSchedFile() {
  return "/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/sched";
}

// Runs `body` on a thread of its own (a slice or nice value set there stays there).
template <typename Body>
void OnNewThread(Body body) {
  std::thread thread(body);
  thread.join();
}

// Whether this kernel shows and honours a requested slice: asked on a scratch thread.
bool KernelHonoursSlices() {
  bool honoured = false;
  OnNewThread([&honoured] {
    const auto before = SliceOf(OwnSchedFile());
    if (!before || *before == kLoopSchedulerSlice.count()) return;
    honoured = RequestSchedulerSlice(kLoopSchedulerSlice) &&
               SliceOf(OwnSchedFile()) == kLoopSchedulerSlice.count();
  });
  return honoured;
}

// Threads of this process whose slice is `slice_ns`.
int ThreadsWithSlice(long long slice_ns) {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    const auto slice = SliceOf(std::string("/proc/self/task/") + entry->d_name + "/sched");
    if (slice == slice_ns) ++count;
  }
  closedir(tasks);
  return count;
}

TEST(SchedulerSliceTest, AThreadKeepsItsNiceValueWhenItAsksForAShortSlice) {
  int nice_after = 0;
  bool accepted = false;
  OnNewThread([&] {
    setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + 3);
    const int nice_before = getpriority(PRIO_PROCESS, 0);
    accepted = RequestSchedulerSlice(kLoopSchedulerSlice);
    nice_after = getpriority(PRIO_PROCESS, 0) - nice_before;
  });
  ASSERT_TRUE(accepted) << "sched_setattr refused a SCHED_OTHER thread its own nice value";
  EXPECT_EQ(nice_after, 0) << "the request changed the thread's nice value";
}

TEST(SchedulerSliceTest, TheEngineLoopsRunWithTheShortSlice) {
  if (!KernelHonoursSlices()) GTEST_SKIP() << "this kernel does not show a requested slice";
  const int before = ThreadsWithSlice(kLoopSchedulerSlice.count());
  constexpr int kLoops = 2;
  ProbeEngine engine(ProbeEngine::Options{kLoops});
  // The loops ask as they start: wait for both, bounded.
  const auto deadline = std::chrono::steady_clock::now() + kTestDeadline;
  int with_slice = ThreadsWithSlice(kLoopSchedulerSlice.count()) - before;
  while (with_slice < kLoops && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    with_slice = ThreadsWithSlice(kLoopSchedulerSlice.count()) - before;
  }
  EXPECT_EQ(with_slice, kLoops);
}

}  // namespace
}  // namespace latencyd::probes
