// The scheduler: starts every endpoint's probes on its fixed-rate grid (schedule_math.h).
// It owns no thread: each probe's completion hands the probe engine the endpoint's next slot,
// and the engine's loop starts it on time, so no thread wakes per probe just to start one.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "daemon/schedule/descriptor_shortage.h"
#include "daemon/schedule/schedule_math.h"
#include "daemon/schedule/sustained_rate.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/schedule_lag.h"
#include "probes/probe_engine.h"

namespace latencyd {

// One endpoint as the scheduler sees it. A job outlives a reload that keeps the endpoint, so
// its window, counters and grid position carry over.
struct ProbeJob {
  std::string name;
  Duration interval{};
  std::uint64_t affinity = 0;  // picks the engine loop; stable per name
  // Where inside its interval the job probes (AssignPhaseOffsets); set before the job is
  // first handed to the scheduler and never changed afterwards.
  Duration offset{};
  std::shared_ptr<EndpointState> state;
  // The request, read by the chain on a probe loop. A reload that keeps the endpoint but
  // read new secret contents (a rotated token) replaces it, hence the atomic access.
  std::shared_ptr<const probes::PreparedProbe> Probe() const { return std::atomic_load(&probe_); }
  void SetProbe(std::shared_ptr<const probes::PreparedProbe> probe) {
    std::atomic_store(&probe_, std::move(probe));
  }
  // Set when the endpoint leaves the config: its pending probe is dropped, its chain ends.
  std::shared_ptr<std::atomic<bool>> retired = std::make_shared<std::atomic<bool>>(false);

 private:
  std::shared_ptr<const probes::PreparedProbe> probe_;
};

// The latest a probe due at `due` may run: a little before the endpoint's next slot (a tenth
// of the interval, at most 10 ms), so a probe that runs to its deadline (timeout == interval,
// a hung target) has ended when the next slot comes, and that slot is probed, not skipped.
// A probe started so late that less than half its timeout is left before this deadline is
// skipped by the engine (SkipCause::kStartedLate), never failed with a shortened timeout.
SteadyTime ProbeDeadline(SteadyTime due, Duration interval);

class Scheduler {
 public:
  // `epoch` anchors every endpoint's grid (see schedule_math.h). `engine` and `lag` must
  // outlive the engine's callbacks (the engine stops before either is destroyed).
  Scheduler(probes::ProbeEngine& engine, ScheduleLagRecorder& lag, SteadyTime epoch);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Replaces the jobs. A job already scheduled (the same object) keeps its chain and grid
  // position; a new one joins its grid at the first slot from now; a dropped one is retired.
  void SetJobs(const std::vector<std::shared_ptr<ProbeJob>>& jobs);

  // Retires every job; probes already in flight are the engine's to stop.
  void Stop();

  // Probes skipped so far because the process was out of file descriptors.
  std::uint64_t out_of_descriptors() const { return descriptor_shortage_.total(); }
  // The share of due probes started over the minute before `now` (1 when none was due).
  double sustained_ratio(SteadyTime now) const { return sustained_.Ratio(now); }

 private:
  probes::ProbeEngine& engine_;
  ScheduleLagRecorder& lag_;
  const SteadyTime epoch_;
  DescriptorShortage descriptor_shortage_;  // outlives the chains: the engine stops first
  SustainedRate sustained_;                 // likewise

  std::mutex mutex_;
  std::vector<std::shared_ptr<ProbeJob>> jobs_;  // the scheduled ones
  bool stopped_ = false;
};

}  // namespace latencyd
