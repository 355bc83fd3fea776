// The daemon's entry points behind the command line: serve, check a config, probe once.
// main.cc parses flags and calls exactly one of these.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "daemon/shard.h"

namespace latencyd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad config or runtime failure
inline constexpr int kExitUsage = 2;

struct DaemonOptions {
  std::string config_file = "latencyd.yml";
  std::string listen_address = ":9470";
  std::string web_config_file;    // empty: plain HTTP, no auth
  bool enable_lifecycle = false;  // POST /-/reload answers only with --web.enable-lifecycle
  int probe_workers = 0;          // 0: one event loop per core
  Shard shard;                    // --shard=K/N: probe only this shard's endpoints
  // How often endpoint_files are checked for changes; zero: only on reload.
  std::chrono::milliseconds watch_interval = std::chrono::seconds(5);
  // Where windows and histories are kept across restarts; empty: nowhere.
  std::string storage_path;
  std::chrono::milliseconds checkpoint_interval = std::chrono::minutes(1);
};

// Runs until SIGTERM or SIGINT; SIGHUP reloads. Returns the exit code.
int RunDaemon(const DaemonOptions& options);

// Validates a config file: prints "PATH: ok (...)" to `out` and returns 0, or prints every
// problem as file:line:column: key: message to `err` and returns 1. Without
// `read_secret_files` the secret files it names are not opened (config::LoadOptions).
int CheckConfig(const std::string& config_file, std::ostream& out, std::ostream& err,
                bool read_secret_files = true);

std::string VersionString();

}  // namespace latencyd
