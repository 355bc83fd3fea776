#include "daemon/schedule/monitor.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "daemon/build_info.h"
#include "daemon/log.h"
#include "daemon/schedule/host_phases.h"
#include "daemon/schedule/probe_spec_builder.h"
#include "daemon/text/redact.h"
#include "daemon/window/histogram.h"

namespace latencyd {
Monitor::Monitor(Options options)
    : engine_(probes::ProbeEngine::Options{options.probe_workers}),
      scheduler_(engine_, lag_, std::chrono::steady_clock::now()),
      world_(std::make_shared<World>()) {}

Monitor::~Monitor() { Stop(); }

void Monitor::Apply(const config::Config& config, const StartHook& before_start) {
  std::shared_ptr<const World> world = BuildWorld(config);  // may throw: nothing changed yet
  SwapIn(world, before_start);
  // Outside the lock: thousands of debug lines must not hold up a scrape.
  if (log::Enabled(log::Level::kDebug)) LogEndpoints(*world);
}

void Monitor::SwapIn(const std::shared_ptr<const World>& world, const StartHook& before_start) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) throw std::runtime_error("latencyd is shutting down");
  // Nothing below throws: kept endpoints adopt their new judgement only now that the whole
  // new world exists, so a config that failed to build left every endpoint untouched.
  for (std::size_t i = 0; i < world->jobs.size(); ++i) {
    const config::Endpoint& endpoint = world->config.endpoints[i];
    if (world->kept[i]) {
      world->jobs[i]->state->Reconfigure(endpoint, world->config.ClassOf(endpoint),
                                         world->bucket_bounds);
      if (world->new_probes[i]) world->jobs[i]->SetProbe(world->new_probes[i]);
    } else if (before_start) {
      before_start(endpoint, *world->jobs[i]->state);
    }
  }
  world_ = world;
  scheduler_.SetJobs(world->jobs);
}

// One debug line per endpoint and load: what it probes (the URL redacted) and whether it
// kept its window. Never a header or credential: those are secrets.
void Monitor::LogEndpoints(const World& world) {
  for (std::size_t i = 0; i < world.jobs.size(); ++i) {
    const config::Endpoint& endpoint = world.config.endpoints[i];
    const char* window = !world.kept[i]        ? "new"
                         : world.new_probes[i] ? "kept, secrets re-read"
                                               : "kept";
    log::Debug("endpoint configured",
               {{"endpoint", endpoint.name},
                {"method", endpoint.method},
                {"url", RedactUrl(endpoint.url)},
                {"credentials", endpoint.credentials.bearer_token_file.empty()
                                    ? (endpoint.credentials.basic_auth ? "basic_auth" : "none")
                                    : "bearer_token_file"},
                {"window", window}});
  }
}

std::shared_ptr<const Monitor::World> Monitor::BuildWorld(const config::Config& config) const {
  std::shared_ptr<const World> old = CurrentWorld();
  auto world = std::make_shared<World>();
  world->config = config;
  world->bucket_bounds = BucketBounds(config);
  std::unordered_map<std::string_view, std::size_t> old_index;
  for (std::size_t i = 0; i < old->config.endpoints.size(); ++i) {
    old_index.emplace(old->config.endpoints[i].name, i);
  }
  for (const config::Endpoint& endpoint : world->config.endpoints) {
    auto found = old_index.find(endpoint.name);
    // Same probe settings: the same measurements, so the samples and counters stay valid.
    bool keep = found != old_index.end() &&
                old->config.endpoints[found->second].SameProbeSettings(endpoint);
    world->jobs.push_back(keep ? old->jobs[found->second]
                               : NewJob(endpoint, config, world->bucket_bounds));
    world->kept.push_back(keep);
    // Kept, but a secret file's content changed: same window, the new secret from now on.
    bool rotated = keep && !old->config.endpoints[found->second].SameSecrets(endpoint);
    world->new_probes.push_back(
        rotated ? std::make_shared<const probes::PreparedProbe>(ToProbeSpec(endpoint)) : nullptr);
  }
  AssignOffsets(*world);
  return world;
}

void Monitor::AssignOffsets(World& world) {
  std::vector<PhaseRequest> requests;
  requests.reserve(world.jobs.size());
  for (std::size_t i = 0; i < world.jobs.size(); ++i) {
    const config::Endpoint& endpoint = world.config.endpoints[i];
    requests.push_back(
        {endpoint.name, HostKey(endpoint.url), endpoint.interval,
         world.kept[i] ? std::optional<Duration>(world.jobs[i]->offset) : std::nullopt});
  }
  const std::vector<Duration> offsets = AssignPhaseOffsets(requests);
  // Kept jobs are shared with the running world: their offset is theirs already.
  for (std::size_t i = 0; i < world.jobs.size(); ++i) {
    if (!world.kept[i]) world.jobs[i]->offset = offsets[i];
  }
}

std::shared_ptr<ProbeJob> Monitor::NewJob(const config::Endpoint& endpoint,
                                          const config::Config& config,
                                          const std::vector<double>& bounds) {
  auto job = std::make_shared<ProbeJob>();
  job->name = endpoint.name;
  job->interval = endpoint.interval;
  job->affinity = LoopAffinity(endpoint.name);
  job->SetProbe(std::make_shared<const probes::PreparedProbe>(ToProbeSpec(endpoint)));
  job->state = std::make_shared<EndpointState>(endpoint, config.ClassOf(endpoint), bounds);
  return job;
}

std::shared_ptr<const Monitor::World> Monitor::CurrentWorld() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return world_;
}

void Monitor::Stop() {
  if (stopped_.exchange(true)) return;
  scheduler_.Stop();
  engine_.Stop();
}

DaemonSnapshot Monitor::Snapshot(SnapshotDetail detail) const {
  DaemonSnapshot snapshot;
  SnapshotInto(snapshot, detail);
  return snapshot;
}

void Monitor::SnapshotInto(DaemonSnapshot& snapshot, SnapshotDetail detail) const {
  std::shared_ptr<const World> world = CurrentWorld();
  SteadyTime now = std::chrono::steady_clock::now();
  const probes::WallTime wall = std::chrono::system_clock::now();
  snapshot.generated_at_seconds = std::chrono::duration<double>(wall.time_since_epoch()).count();
  // resize() keeps the elements (and their strings' and vectors' capacity) that fit; sorting
  // moves them, which moves buffers without allocating.
  snapshot.endpoints.resize(world->jobs.size());
  for (std::size_t i = 0; i < world->jobs.size(); ++i) {
    world->jobs[i]->state->SnapshotInto(now, snapshot.endpoints[i], wall, detail);
  }
  std::sort(snapshot.endpoints.begin(), snapshot.endpoints.end(),
            [](const EndpointSnapshot& a, const EndpointSnapshot& b) { return a.name < b.name; });
  snapshot.schedule_lag = lag_.Snapshot(now);
  snapshot.probes_out_of_descriptors = scheduler_.out_of_descriptors();
  snapshot.schedule_sustained_ratio = scheduler_.sustained_ratio(now);
  snapshot.version = BuildVersion();
  snapshot.revision = BuildRevision();
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot.last_reload_successful = last_reload_successful_;
  snapshot.last_reload_success_timestamp_seconds = last_reload_success_unix_;
}

HistoryLookup Monitor::HistoryReader() const {
  auto states =
      std::make_shared<std::unordered_map<std::string_view, std::shared_ptr<EndpointState>>>();
  std::shared_ptr<const World> world = CurrentWorld();
  for (const auto& job : world->jobs) states->emplace(job->state->name(), job->state);
  // The lambda holds the world, so the names the map points into stay alive.
  return [world, states](const EndpointSnapshot& e) -> std::vector<HistoryBucket> {
    auto found = states->find(e.name);
    if (found == states->end()) return {};
    return found->second->HistoryBuckets(std::chrono::steady_clock::now(),
                                         std::chrono::system_clock::now());
  };
}

void Monitor::VisitEndpoints(
    const std::function<void(const config::Endpoint&, const EndpointState&)>& visit) const {
  std::shared_ptr<const World> world = CurrentWorld();
  for (std::size_t i = 0; i < world->jobs.size(); ++i) {
    visit(world->config.endpoints[i], *world->jobs[i]->state);
  }
}

std::size_t Monitor::endpoint_count() const { return CurrentWorld()->jobs.size(); }

std::vector<std::string> Monitor::EndpointFilePatterns() const {
  return CurrentWorld()->config.endpoint_files;
}

bool Monitor::Alive(std::chrono::steady_clock::duration max_silence) const {
  if (stopped_) return false;
  SteadyTime now = std::chrono::steady_clock::now();
  return now - engine_.OldestHeartbeat() <= max_silence;
}

void Monitor::RecordReload(bool successful, double unix_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_reload_successful_ = successful;
  if (successful) last_reload_success_unix_ = unix_seconds;
}

}  // namespace latencyd
