// ProbeEngine: spreads probes over its workers by affinity and aggregates their state.
#include "probes/probe_engine.h"

#include <algorithm>
#include <thread>

#include "probes/prepared_probe_internal.h"
#include "probes/worker.h"

namespace latencyd::probes {

ProbeEngine::ProbeEngine(Options options) {
  EnsureCurlGlobalInit();
  int n = options.workers;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers_.reserve(n);
  for (int i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(options.max_idle_connections));
  }
}

ProbeEngine::~ProbeEngine() { Stop(); }

void ProbeEngine::Submit(std::shared_ptr<const PreparedProbe> probe, std::uint64_t affinity,
                         Callback done, SteadyTime deadline) {
  SubmitAt(SteadyTime::min(), std::move(probe), affinity, std::move(done), deadline, nullptr);
}

void ProbeEngine::SubmitAt(SteadyTime start_at, std::shared_ptr<const PreparedProbe> probe,
                           std::uint64_t affinity, Callback done, SteadyTime deadline,
                           std::shared_ptr<const std::atomic<bool>> cancelled) {
  workers_[affinity % workers_.size()]->Submit(
      {std::move(probe), std::move(done), deadline, start_at, std::move(cancelled)});
}

void ProbeEngine::Stop() {
  // Ask every loop first so that they wind down in parallel, then join.
  for (auto& w : workers_) w->RequestStop();
  for (auto& w : workers_) w->Join();
}

int ProbeEngine::workers() const { return static_cast<int>(workers_.size()); }

std::size_t ProbeEngine::in_flight() const {
  std::size_t total = 0;
  for (const auto& w : workers_) total += w->in_flight();
  return total;
}

SteadyTime ProbeEngine::OldestHeartbeat() const {
  SteadyTime oldest = SteadyTime::max();
  for (const auto& w : workers_) oldest = std::min(oldest, w->heartbeat());
  return oldest;
}

}  // namespace latencyd::probes
