// The scheduler: one thread that starts every endpoint's probe on its fixed-rate grid
// (schedule_math.h) by handing it to the probe engine. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "daemon/endpoint_state.h"
#include "daemon/schedule_math.h"
#include "probes/probe_engine.h"

namespace latencyd {

class ScheduleLagRecorder;

// One endpoint as the scheduler sees it. A job outlives a reload that keeps the endpoint, so
// its window, counters and grid position carry over.
struct ProbeJob {
  std::string name;
  Duration interval{};
  std::uint64_t affinity = 0;  // picks the engine loop; stable per name
  std::shared_ptr<const probes::PreparedProbe> probe;
  std::shared_ptr<EndpointState> state;
  // True from Submit until the result is recorded: a probe due meanwhile is skipped, never
  // stacked, so a slow target cannot multiply its own load.
  std::atomic<bool> in_flight{false};
};

// The latest a probe due at `due` may run: a little before the endpoint's next slot (a tenth
// of the interval, at most 10 ms), so a probe that runs to its deadline (timeout == interval,
// a hung target) has ended when the next slot comes, and that slot is probed, not skipped.
SteadyTime ProbeDeadline(SteadyTime due, Duration interval);

class Scheduler {
 public:
  // `epoch` anchors every endpoint's grid (see schedule_math.h). `lag` must outlive the
  // engine's callbacks (the engine stops before it is destroyed).
  Scheduler(probes::ProbeEngine& engine, ScheduleLagRecorder& lag, SteadyTime epoch);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Replaces the jobs. A job already scheduled (the same object) keeps its next due time;
  // a new one joins its grid at the first slot from now. Starts the thread on first use.
  void SetJobs(const std::vector<std::shared_ptr<ProbeJob>>& jobs);

  // Stops the thread; probes already handed to the engine are the engine's to stop.
  void Stop();

  // The last time the scheduler thread turned; it turns at least every second while alive.
  SteadyTime Heartbeat() const;

 private:
  struct Slot {
    SteadyTime due;
    std::shared_ptr<ProbeJob> job;
    bool operator>(const Slot& other) const { return due > other.due; }
  };
  using SlotHeap = std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>>;

  void Run();
  std::vector<Slot> PopDue(SteadyTime now);
  void Dispatch(const Slot& slot);

  probes::ProbeEngine& engine_;
  ScheduleLagRecorder& lag_;
  const SteadyTime epoch_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  SlotHeap heap_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<SteadyTime::rep> heartbeat_{0};
};

}  // namespace latencyd
