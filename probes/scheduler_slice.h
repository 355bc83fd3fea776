// Asks the kernel to wake a probe loop promptly on a busy CPU.
//
// Why: a probe loop sleeps until the next start or answer and must then run at once, or the
// probe starts late (schedule lag) and its answer waits unread (charged to the target). On a
// machine with another busy thread (a CPU hog beside 10,000 endpoints, bench/README.md), the
// loops waited for the other thread's time slice: schedule lag p99 18-26 ms. Linux's EEVDF
// scheduler (6.6 and later) lets a SCHED_OTHER thread ask for a shorter slice than the default
// (sched_setattr's sched_runtime, honoured from 6.12): its deadlines come sooner, so a woken loop
// preempts a thread with the default slice instead of waiting for it. It asks for no privilege
// and changes no share of CPU: over time the loop gets the same weight, in shorter turns.
#pragma once

#include <chrono>

namespace latencyd::probes {

// The shortest slice the kernel accepts (it clamps sched_runtime to 0.1-100 ms).
constexpr std::chrono::nanoseconds kLoopSchedulerSlice = std::chrono::microseconds(100);

// Sets the calling thread's scheduler slice, keeping its policy (SCHED_OTHER) and nice value.
// Returns whether the kernel accepted the request; kernels before 6.12 accept it and ignore the
// slice, and a thread with another policy (real-time, set by an operator) is left alone.
bool RequestSchedulerSlice(std::chrono::nanoseconds slice);

}  // namespace latencyd::probes
