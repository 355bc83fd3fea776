#include "daemon/reloader.h"

#include <chrono>
#include <exception>

#include "daemon/log.h"

namespace latencyd {

Reloader::Reloader(std::string config_path, Shard shard, Monitor& monitor,
                   const SystemdNotifier& notifier)
    : config_path_(std::move(config_path)), shard_(shard), monitor_(monitor), notifier_(notifier) {}

config::Config Reloader::Load() const {
  config::Config config = config::LoadConfigFile(config_path_);
  KeepShard(shard_, &config);
  return config;
}

std::optional<std::string> Reloader::ReloadNow() {
  notifier_.Reloading();
  std::optional<std::string> error;
  try {
    monitor_.Apply(Load());
  } catch (const std::exception& e) {
    error = e.what();
  }
  monitor_.RecordReload(!error, UnixNowSeconds());
  std::size_t endpoints = monitor_.endpoint_count();
  if (error) {
    log::Error("reload failed, keeping the running config",
               {{"file", config_path_}, {"err", *error}});
  } else {
    log::Info("config reloaded",
              {{"file", config_path_}, {"endpoints", std::to_string(endpoints)}});
  }
  // READY=1 after a failed reload too: the service still runs the old config. Not once
  // shutdown began: systemd must not see READY=1 after STOPPING=1.
  if (!monitor_.stopped()) notifier_.Ready(SystemdNotifier::EndpointStatus(endpoints));
  return error;
}

double UnixNowSeconds() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count();
}

}  // namespace latencyd
