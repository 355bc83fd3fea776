// Reloads the config file into the monitor: parse, validate and build off to the side, then
// swap; on any failure the running config stays. Reloads from SIGHUP, POST /-/reload and the
// endpoint files watcher run one at a time and coalesce (CoalescingCall). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "daemon/coalescing_call.h"
#include "daemon/schedule/monitor.h"
#include "daemon/sd_notify.h"
#include "daemon/shard.h"

namespace latencyd {

class Reloader {
 public:
  // Only the endpoints of `shard` are applied (--shard).
  Reloader(std::string config_path, Shard shard, Monitor& monitor, const SystemdNotifier& notifier);

  // Loads, validates and shards the config file; throws config::ConfigError.
  config::Config Load() const;

  // Loads the file, validates it and applies it. Returns std::nullopt on success, or the
  // error text (every diagnostic, one per line) on failure, when nothing changed. Callers
  // that arrive during a reload share the next one.
  std::optional<std::string> Reload() { return coalesced_.Call(); }

  // How many reloads ran (for tests).
  std::uint64_t reloads() const { return coalesced_.runs(); }

 private:
  std::optional<std::string> ReloadNow();

  const std::string config_path_;
  const Shard shard_;
  Monitor& monitor_;
  const SystemdNotifier& notifier_;
  CoalescingCall coalesced_{[this] { return ReloadNow(); }};
};

// Unix time now, in seconds, for the reload timestamp gauge.
double UnixNowSeconds();

}  // namespace latencyd
