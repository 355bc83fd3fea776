// latencyd's command line: parses flags and calls exactly one entry point of run.h.
#include <CLI/CLI.hpp>
#include <iostream>

#include "config/units.h"
#include "daemon/baseline_command.h"
#include "daemon/log.h"
#include "daemon/probe_command.h"
#include "daemon/run.h"
#include "daemon/storage/state_store.h"

namespace {

using latencyd::kExitFailure;
using latencyd::kExitOk;
using latencyd::kExitUsage;

struct Flags {
  latencyd::DaemonOptions daemon;
  bool check_config = false;
  bool version = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  latencyd::ProbeCommandOptions probe;
  std::string probe_interval = "200ms";
  std::string shard = "1/1";
  std::string watch_interval = "5s";
  std::string probe_timeout = "1s";
  bool skip_secret_files = false;  // the daemon's default
  latencyd::BaselineCommandOptions baseline;
  std::string baseline_duration = "5m";
  std::string storage_path = latencyd::DefaultStoragePath();
  std::string checkpoint_interval = "1m";
};

void AddDaemonFlags(CLI::App& app, Flags& flags) {
  app.add_option("--config.file", flags.daemon.config_file, "Configuration file")
      ->capture_default_str();
  app.add_option("--web.listen-address", flags.daemon.listen_address,
                 "Address to serve /metrics and the status page on (HOST:PORT)")
      ->capture_default_str();
  app.add_option("--web.config.file", flags.daemon.web_config_file,
                 "exporter-toolkit web config (TLS, basic auth) for the HTTP server");
  app.add_flag("--web.enable-lifecycle", flags.daemon.enable_lifecycle,
               "Enable reloading over HTTP (POST /-/reload); SIGHUP works without it");
  app.add_option("--log.level", flags.log_level, "debug, info, warn or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", flags.log_format, "logfmt or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_option("--probe.workers", flags.daemon.probe_workers,
                 "Probe event loops (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--shard", flags.shard,
                 "Probe only shard K of N (1-based, by FNV-1a hash of the endpoint name)")
      ->capture_default_str();
  app.add_option("--config.watch-interval", flags.watch_interval,
                 "How often endpoint_files are checked for changes (0s: only on reload)")
      ->capture_default_str();
  app.add_option("--storage.path", flags.storage_path,
                 "Directory keeping windows and history across restarts (default: "
                 "$STATE_DIRECTORY under systemd, else none; empty: none)")
      ->expected(0, 1);  // "--storage.path=" turns the systemd default off
  app.add_option("--storage.checkpoint-interval", flags.checkpoint_interval,
                 "How often the state is saved (also at shutdown)")
      ->capture_default_str();
  CLI::Option* check =
      app.add_flag("--config.check", flags.check_config,
                   "Validate --config.file, print errors with file:line:column, and exit");
  app.add_flag("--config.skip-secret-files", flags.skip_secret_files,
               "With --config.check: check secret file paths without opening the files")
      ->needs(check);
  app.add_flag("--version", flags.version, "Print the version and exit");
}

// Ad-hoc request flags, which describe what --endpoint takes from the config instead.
void AddProbeRequestFlags(CLI::App* probe, Flags& flags, CLI::Option* endpoint) {
  std::vector<CLI::Option*> request = {
      probe->add_option("--timeout", flags.probe_timeout, "Deadline of each probe")
          ->capture_default_str(),
      probe->add_flag("--keepalive", flags.probe.keepalive, "Reuse one connection"),
      probe->add_option("--method", flags.probe.method, "HTTP method")->capture_default_str(),
      probe->add_option("--header", flags.probe.headers, "Request header \"Name: value\"")
          ->take_all(),
      probe->add_option("--body", flags.probe.body, "Request body"),
      probe->add_option("--ca-file", flags.probe.ca_file, "CA bundle to verify the server with"),
      probe->add_flag("--insecure", flags.probe.insecure, "Accept any server certificate"),
      probe->add_option("--http-version", flags.probe.http_version, "1.1, 2 or auto"),
      probe->add_option("--expect-status", flags.probe.expect_status,
                        "Accepted status (200, 2xx, 200-204); repeatable; default 200-399")};
  for (CLI::Option* option : request) option->excludes(endpoint);
}

CLI::App* AddProbeCommand(CLI::App& app, Flags& flags) {
  CLI::App* probe = app.add_subcommand(
      "probe", "Probe one URL, or one endpoint of a config file, now and print phase timings");
  CLI::Option* url = probe->add_option("url", flags.probe.url, "http:// or https:// URL");
  CLI::Option* config_file =
      probe->add_option("--config.file", flags.probe.config_file, "Config file of --endpoint");
  CLI::Option* endpoint =
      probe->add_option("--endpoint", flags.probe.endpoint,
                        "Probe this endpoint of --config.file exactly as the daemon would");
  endpoint->needs(config_file)->excludes(url);
  config_file->needs(endpoint);
  probe->add_option("--count", flags.probe.count, "Number of probes")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  probe->add_option("--interval", flags.probe_interval, "Time between probe starts")
      ->capture_default_str();
  AddProbeRequestFlags(probe, flags, endpoint);
  return probe;
}

CLI::App* AddBaselineCommand(CLI::App& app, Flags& flags) {
  CLI::App* baseline = app.add_subcommand(
      "baseline",
      "Probe every endpoint as the daemon does; write medians as pytest-benchmark JSON");
  baseline->add_option("--config.file", flags.baseline.config_file, "Configuration file")
      ->capture_default_str();
  baseline->add_option("--duration", flags.baseline_duration, "How long to probe")
      ->capture_default_str();
  baseline->add_option("--output", flags.baseline.output, "Output file (-: standard output)")
      ->capture_default_str();
  return baseline;
}

int RunBaseline(Flags& flags) {
  auto duration = latencyd::config::ParseDuration(flags.baseline_duration);
  if (!duration || *duration <= std::chrono::nanoseconds::zero()) {
    std::cerr << "latencyd baseline: --duration takes a positive duration such as 5m\n";
    return kExitUsage;
  }
  flags.baseline.duration = *duration;
  flags.baseline.probe_workers = flags.daemon.probe_workers;
  return latencyd::RunBaselineCommand(flags.baseline, std::cout, std::cerr);
}

int RunProbe(Flags& flags) {
  auto interval = latencyd::config::ParseDuration(flags.probe_interval);
  auto timeout = latencyd::config::ParseDuration(flags.probe_timeout);
  if (!interval || !timeout || timeout->count() <= 0) {
    std::cerr << "latencyd probe: --interval and --timeout take durations such as 250ms\n";
    return kExitUsage;
  }
  if (flags.probe.url.empty() && flags.probe.endpoint.empty()) {
    std::cerr << "latencyd probe: give a URL, or --config.file and --endpoint\n";
    return kExitUsage;
  }
  flags.probe.interval = *interval;
  flags.probe.timeout = *timeout;
  return latencyd::RunProbeCommand(flags.probe, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"latencyd: probes HTTP endpoints and exports their exact latency quantiles"};
  Flags flags;
  AddDaemonFlags(app, flags);
  CLI::App* probe = AddProbeCommand(app, flags);
  CLI::App* baseline = AddBaselineCommand(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (flags.version) {
    std::cout << latencyd::VersionString() << "\n";
    return kExitOk;
  }
  latencyd::log::Level level;
  latencyd::log::Format format;
  latencyd::log::ParseLevel(flags.log_level, &level);
  latencyd::log::ParseFormat(flags.log_format, &format);
  latencyd::log::Configure(level, format);
  if (probe->parsed()) return RunProbe(flags);
  if (baseline->parsed()) return RunBaseline(flags);
  std::string error;
  auto watch = latencyd::config::ParseDuration(flags.watch_interval);
  if (!latencyd::ParseShard(flags.shard, &flags.daemon.shard, &error) || !watch) {
    std::cerr << "latencyd: " << (watch ? error : "--config.watch-interval takes a duration")
              << "\n";
    return kExitUsage;
  }
  flags.daemon.watch_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*watch);
  auto checkpoint = latencyd::config::ParseDuration(flags.checkpoint_interval);
  if (!checkpoint || checkpoint->count() <= 0) {
    std::cerr << "latencyd: --storage.checkpoint-interval takes a positive duration\n";
    return kExitUsage;
  }
  flags.daemon.checkpoint_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(*checkpoint);
  flags.daemon.storage_path = flags.storage_path;
  if (flags.check_config) {
    return latencyd::CheckConfig(flags.daemon.config_file, std::cout, std::cerr,
                                 !flags.skip_secret_files);
  }
  return latencyd::RunDaemon(flags.daemon);
}
