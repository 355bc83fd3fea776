#include "daemon/scheduler.h"

#include <algorithm>
#include <unordered_map>

#include "daemon/endpoint_state.h"
#include "daemon/log.h"

namespace latencyd {
namespace {

// The heartbeat contract: a turn at least every second (Monitor::Alive allows 5 s). New jobs
// and Stop() wake the thread, so idling longer only saves wake-ups.
constexpr auto kMaxSleep = std::chrono::seconds(1);

// One line when an endpoint starts failing or recovers, never one per probe.
void LogTransition(const ProbeJob& job, const probes::ProbeResult& result) {
  if (result.ok) {
    log::Info("endpoint probes succeed",
              {{"endpoint", job.name}, {"status", std::to_string(result.http_status)}});
  } else {
    log::Warn("endpoint probes fail", {{"endpoint", job.name},
                                       {"reason", std::string(probes::ReasonName(result.reason))},
                                       {"err", result.error}});
  }
}

}  // namespace

SteadyTime ProbeDeadline(SteadyTime due, Duration interval) {
  Duration margin = std::min<Duration>(interval / 10, std::chrono::milliseconds(10));
  return due + interval - margin;
}

Scheduler::Scheduler(probes::ProbeEngine& engine, ScheduleLagRecorder& lag, SteadyTime epoch)
    : engine_(engine), lag_(lag), epoch_(epoch) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::SetJobs(const std::vector<std::shared_ptr<ProbeJob>>& jobs) {
  SteadyTime now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  // Where each surviving job stood on its grid, so a reload does not reset its phase.
  std::unordered_map<const ProbeJob*, SteadyTime> kept_due;
  for (; !heap_.empty(); heap_.pop()) kept_due.emplace(heap_.top().job.get(), heap_.top().due);
  for (const auto& job : jobs) {
    auto kept = kept_due.find(job.get());
    SteadyTime due =
        kept != kept_due.end()
            ? kept->second
            : FirstDueAtOrAfter(epoch_, PhaseOffset(job->name, job->interval), job->interval, now);
    heap_.push(Slot{due, job});
  }
  if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { Run(); });
  wake_.notify_one();
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

SteadyTime Scheduler::Heartbeat() const { return SteadyTime(SteadyTime::duration(heartbeat_)); }

void Scheduler::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    SteadyTime now = std::chrono::steady_clock::now();
    heartbeat_ = now.time_since_epoch().count();
    SteadyTime wake_at = now + kMaxSleep;
    if (!heap_.empty() && heap_.top().due < wake_at) wake_at = heap_.top().due;
    if (wake_at > now) {
      wake_.wait_until(lock, wake_at);
      continue;
    }
    std::vector<Slot> due = PopDue(now);
    lock.unlock();  // the engine and the states take their own locks
    for (const Slot& slot : due) Dispatch(slot);
    lock.lock();
  }
}

// Pops every slot due by `now` and pushes each job's next slot. Called with mutex_ held.
std::vector<Scheduler::Slot> Scheduler::PopDue(SteadyTime now) {
  std::vector<Slot> due;
  while (!heap_.empty() && heap_.top().due <= now) {
    Slot slot = heap_.top();
    heap_.pop();
    std::uint64_t missed = 0;
    SteadyTime next = NextDue(slot.due, slot.job->interval, now, &missed);
    if (missed > 0) slot.job->state->RecordSkipped(missed);
    heap_.push(Slot{next, slot.job});
    due.push_back(std::move(slot));
  }
  return due;
}

void Scheduler::Dispatch(const Slot& slot) {
  ProbeJob& job = *slot.job;
  if (job.in_flight.exchange(true)) {
    job.state->RecordSkipped();
    return;
  }
  std::shared_ptr<ProbeJob> keep = slot.job;
  SteadyTime due = slot.due;
  ScheduleLagRecorder* lag = &lag_;  // outlives the engine's callbacks, unlike this scheduler
  auto done = [lag, keep, due](const probes::ProbeResult& result) {
    // The lag runs to when the engine really started the request, so a busy loop or a long
    // submission queue shows in latencyd_schedule_lag_seconds too.
    lag->Record(result.started - due, result.started);
    if (keep->state->Record(result, std::chrono::steady_clock::now())) LogTransition(*keep, result);
    keep->in_flight = false;
  };
  engine_.Submit(job.probe, job.affinity, std::move(done), ProbeDeadline(due, job.interval));
}

}  // namespace latencyd
