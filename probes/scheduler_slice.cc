#include "probes/scheduler_slice.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace latencyd::probes {
namespace {

// struct sched_attr of <linux/sched/types.h> (SCHED_ATTR_SIZE_VER0); glibc 2.36 declares
// neither it nor a sched_setattr wrapper.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
};
static_assert(sizeof(SchedAttr) == 48, "sched_attr, version 0, is 48 bytes");

}  // namespace

bool RequestSchedulerSlice(std::chrono::nanoseconds slice) {
  if (sched_getscheduler(0) != SCHED_OTHER) return false;
  // sched_setattr sets the nice value too: pass the thread's own (nice belongs to a thread on
  // Linux, and PRIO_PROCESS with 0 names the calling one).
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, 0);
  if (errno != 0) return false;
  SchedAttr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = nice;
  attr.sched_runtime = static_cast<std::uint64_t>(slice.count());
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace latencyd::probes
