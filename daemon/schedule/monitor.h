// The running monitor: the probe engine, the scheduler and one job per configured endpoint.
// Apply() builds a new set of jobs off to the side and swaps it in, so a config that fails to
// build changes nothing. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/schedule/scheduler.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/snapshot.h"
#include "probes/probe_engine.h"

namespace latencyd {

class Monitor {
 public:
  struct Options {
    int probe_workers = 0;  // engine loops; 0: one per core
  };

  explicit Monitor(Options options);
  ~Monitor();  // Stop()
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Starts probing `config`'s endpoints instead of the current ones. Endpoints whose probe
  // settings are unchanged keep their job (samples, counters, phase on the grid) and adopt
  // any new class, labels, window or secret file content (a rotated token); changed ones start
  // afresh; removed ones stop and vanish from snapshots. Throws (and changes nothing) when the
  // config cannot be built. `before_start` is called for every endpoint that starts afresh,
  // before its first probe (the state store restores saved state there); it must not throw.
  using StartHook = std::function<void(const config::Endpoint&, EndpointState&)>;
  void Apply(const config::Config& config, const StartHook& before_start = nullptr);

  // Stops scheduling and aborts probes in flight. Idempotent. Apply() throws afterwards.
  void Stop();
  bool stopped() const { return stopped_; }

  // The endpoints sorted by name; with history for the status page and the JSON.
  DaemonSnapshot Snapshot(SnapshotDetail detail = SnapshotDetail::kCurrent) const;
  // The same into `out`, reusing the storage it holds from an earlier call: a renderer that
  // keeps one snapshot allocates nothing per scrape once it has seen this many endpoints.
  void SnapshotInto(DaemonSnapshot& out, SnapshotDetail detail = SnapshotDetail::kCurrent) const;
  // Reads the history of endpoints of a snapshot by name, from the world current now.
  HistoryLookup HistoryReader() const;
  std::size_t endpoint_count() const;
  // Calls `visit` for every current endpoint with its config, in config order.
  void VisitEndpoints(
      const std::function<void(const config::Endpoint&, const EndpointState&)>& visit) const;
  // The running config's endpoint_files globs (for the watcher).
  std::vector<std::string> EndpointFilePatterns() const;

  // True while every probe loop (which also starts the scheduled probes) has turned within
  // `max_silence`.
  bool Alive(std::chrono::steady_clock::duration max_silence = std::chrono::seconds(5)) const;

  // Reload bookkeeping shown as latencyd_config_last_reload_* metrics.
  void RecordReload(bool successful, double unix_seconds);

 private:
  struct World {
    config::Config config;
    std::vector<double> bucket_bounds;
    std::vector<std::shared_ptr<ProbeJob>> jobs;  // parallel to config.endpoints
    std::vector<bool> kept;                       // jobs[i] carried over from the old world
    // For a kept job whose secrets changed: the probe it switches to when the world is applied.
    std::vector<std::shared_ptr<const probes::PreparedProbe>> new_probes;
  };

  std::shared_ptr<const World> BuildWorld(const config::Config& config) const;
  // Phase offsets of the world's new jobs: probes to one host:port spread over the interval.
  static void AssignOffsets(World& world);
  static std::shared_ptr<ProbeJob> NewJob(const config::Endpoint& endpoint,
                                          const config::Config& config,
                                          const std::vector<double>& bounds);
  std::shared_ptr<const World> CurrentWorld() const;
  // Makes `world` current (kept jobs adopt its settings first); throws once stopped.
  void SwapIn(const std::shared_ptr<const World>& world, const StartHook& before_start);
  static void LogEndpoints(const World& world);

  mutable ScheduleLagRecorder lag_;  // Snapshot() expires old samples
  probes::ProbeEngine engine_;
  Scheduler scheduler_;

  mutable std::mutex mutex_;  // guards world_ and the reload fields
  std::shared_ptr<const World> world_;
  bool last_reload_successful_ = true;
  double last_reload_success_unix_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace latencyd
