// Endpoint state that survives restarts (--storage.path): every endpoint's window samples and
// history written to DIR/latencyd.state atomically (temp file, fsync, rename) by a periodic
// checkpoint and at shutdown, and read back at start for endpoints whose probe settings are
// unchanged. A missing, corrupt, truncated or foreign file is logged and ignored; it is decoded
// completely before anything is applied. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.h"
#include "daemon/clock.h"
#include "daemon/storage/state_file.h"
#include "daemon/window/endpoint_state.h"

namespace latencyd {

class Monitor;

// How restoring went, for the log line and tests.
struct RestoreSummary {
  std::size_t restored = 0;          // endpoints that got their state back
  std::size_t settings_changed = 0;  // in the file, but probing differently now: start empty
  std::size_t not_in_file = 0;       // configured endpoints the file does not know
  std::size_t samples = 0;           // window samples restored
  std::size_t samples_expired = 0;   // dropped: older than the window at restore time
};

class StateStore {
 public:
  explicit StateStore(std::string dir);

  const std::string& path() const { return path_; }

  // Reads and decodes the file. Logs (warn) and keeps nothing when it is unusable; a missing
  // file is the normal first start and logged at info.
  void Load();
  // Gives `state` its saved window and history if the file has `endpoint` with the same probe
  // settings. Call before the endpoint's first probe. Times are translated from the saved
  // wall-clock times to this process's steady clock at (now_steady, now_wall).
  bool RestoreInto(const config::Endpoint& endpoint, EndpointState& state, SteadyTime now_steady,
                   probes::WallTime now_wall);
  // Logs the outcome of the RestoreInto calls and frees the loaded file.
  RestoreSummary FinishRestore();

  // Writes every endpoint of `monitor`; false (after a log line) when the file could not be
  // written, in which case the previous file stays as it was.
  bool Checkpoint(const Monitor& monitor);

 private:
  std::string dir_;
  std::string path_;
  // Two locks so that neither is ever held while the other side's lock is taken: restoring
  // runs under the monitor's lock (Monitor::Apply's start hook) and takes restore_mu_;
  // a checkpoint takes checkpoint_mu_ and then the monitor's lock (VisitEndpoints). One lock
  // for both would order them monitor -> store in one place and store -> monitor in the other.
  std::mutex restore_mu_;     // guards the loaded records and the restore summary
  std::mutex checkpoint_mu_;  // serializes checkpoints (one temp file at a time)
  std::map<std::string, EndpointRecord, std::less<>> loaded_;
  std::size_t loaded_total_ = 0;
  RestoreSummary summary_;
};

// Runs StateStore::Checkpoint every `interval` on its own thread until destroyed.
class PeriodicCheckpoint {
 public:
  PeriodicCheckpoint(StateStore& store, const Monitor& monitor, std::chrono::milliseconds interval);
  ~PeriodicCheckpoint();  // stops and joins (no checkpoint of its own)
  PeriodicCheckpoint(const PeriodicCheckpoint&) = delete;
  PeriodicCheckpoint& operator=(const PeriodicCheckpoint&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// The default of --storage.path: systemd's $STATE_DIRECTORY (its first entry) when set,
// otherwise "" (no state kept).
std::string DefaultStoragePath();

}  // namespace latencyd
