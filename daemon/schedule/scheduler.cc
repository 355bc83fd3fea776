#include "daemon/schedule/scheduler.h"

#include <algorithm>

#include "daemon/log.h"
#include "daemon/window/endpoint_state.h"

namespace latencyd {
namespace {

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

// Logs a skipped probe at debug level; running out of descriptors has its own rate-limited
// error (DescriptorShortage).
void NoteSkip(const ProbeJob& job, const probes::ProbeResult& result) {
  log::Debug("probe skipped", {{"endpoint", job.name}, {"err", result.error}});
}

// Hands the engine `job`'s probe due at `due`; its completion hands over the next one. The
// chain never stacks probes: the next slot is chosen when this probe has finished, and slots
// that passed meanwhile (only when the loop itself was late) are counted as skipped, as are
// probes the engine did not run for a cause of latencyd's own (ProbeResult::skipped).
void Launch(probes::ProbeEngine* engine, ScheduleLagRecorder* lag, DescriptorShortage* fds,
            SustainedRate* sustained, const std::shared_ptr<ProbeJob>& job, SteadyTime due) {
  auto done = [engine, lag, fds, sustained, job, due](const probes::ProbeResult& result) {
    if (job->retired->load()) return;
    // The lag runs to when the engine really started the request.
    lag->Record(result.started - due, result.started);
    SteadyTime now = std::chrono::steady_clock::now();
    const bool skipped = result.skipped != probes::SkipCause::kNone;
    if (skipped) {
      // latencyd's own fault (started late, answer read too late, out of descriptors): never
      // charged to the target.
      job->state->RecordSkipped(1);
      if (result.skipped == probes::SkipCause::kOutOfDescriptors) {
        fds->RecordAndLog(job->name);
      } else {
        NoteSkip(*job, result);
      }
    } else if (job->state->Record(result, now)) {
      LogTransition(*job, result);
    }
    std::uint64_t missed = 0;
    SteadyTime next = NextDue(due, job->interval, now, &missed);
    if (missed > 0) job->state->RecordSkipped(missed);
    sustained->RecordAndLog(now, skipped ? 0 : 1, missed + (skipped ? 1 : 0));
    Launch(engine, lag, fds, sustained, job, next);
  };
  engine->SubmitAt(due, job->Probe(), job->affinity, std::move(done),
                   ProbeDeadline(due, job->interval), job->retired);
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
  if (stopped_) return;
  std::unordered_set<const ProbeJob*> kept(jobs.size());
  for (const auto& job : jobs) kept.insert(job.get());
  for (const auto& old : jobs_) {
    if (kept.count(old.get()) == 0) old->retired->store(true);
  }
  std::unordered_set<const ProbeJob*> running(jobs_.size());
  for (const auto& old : jobs_) running.insert(old.get());
  for (const auto& job : jobs) {
    if (running.count(job.get()) != 0) continue;  // its chain goes on
    Launch(&engine_, &lag_, &descriptor_shortage_, &sustained_, job,
           FirstDueAtOrAfter(epoch_, job->offset, job->interval, now));
  }
  jobs_ = jobs;
}

void Scheduler::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  for (const auto& job : jobs_) job->retired->store(true);
  jobs_.clear();
}

}  // namespace latencyd
