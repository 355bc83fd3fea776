// Reloads the config file into the monitor: parse, validate and build off to the side, then
// swap; on any failure the running config stays. Serialises reloads from SIGHUP and
// POST /-/reload. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

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
  // error text (every diagnostic, one per line) on failure, when nothing changed.
  std::optional<std::string> Reload();

 private:
  const std::string config_path_;
  const Shard shard_;
  Monitor& monitor_;
  const SystemdNotifier& notifier_;
  std::mutex mutex_;  // one reload at a time
};

// Unix time now, in seconds, for the reload timestamp gauge.
double UnixNowSeconds();

}  // namespace latencyd
