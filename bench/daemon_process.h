// The real latencyd binary under benchmark: a generated config, the process started with
// --web.listen-address=127.0.0.1:0, its port read from its startup log, and timed scrapes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/metrics_text.h"
#include "bench/raw_http.h"

namespace latencyd::bench {

// What the generated config says; every endpoint is a fresh-connection GET of class core.
struct DaemonConfig {
  std::vector<std::string> urls;  // one endpoint per URL, named e00000, e00001, ...
  std::string interval = "1s";
  std::string timeout = "1s";
  std::string window = "1m";
  // When set, the whole config file instead of the one built from the fields above.
  std::string yaml;
};

// Writes `config` as YAML into `dir` (block style; about 75 bytes per endpoint) and returns the
// config file's path. Over 5,000 endpoints (the daemon reads config files of at most 1 MiB)
// they go into endpoint files beside it, which the config lists with `endpoint_files`.
std::string WriteConfigFiles(const DaemonConfig& config, const std::string& dir);

// The path of latencyd next to this benchmark in the build tree (<build>/daemon/latencyd).
std::string DefaultDaemonPath();

struct Scrape {
  bool ok = false;
  std::string error;
  std::string body;              // de-chunked; still compressed when gzip was asked for
  std::uint64_t wire_bytes = 0;  // the body as it came off the wire (chunk framing included)
  std::string content_encoding;
  std::chrono::steady_clock::time_point started;
  double seconds = 0;  // request start until the last byte
};

// Not thread-safe; stops the daemon (SIGTERM) in the destructor.
class DaemonProcess {
 public:
  // Writes the config into `dir`, starts `binary` and waits (up to `startup_timeout`) for the
  // "port=N" of its startup log. `extra_args` go after the usual flags. Throws
  // std::runtime_error with the log on failure.
  DaemonProcess(const std::string& binary, const std::string& dir, const DaemonConfig& config,
                int workers, std::chrono::seconds startup_timeout = std::chrono::seconds(120),
                const std::vector<std::string>& extra_args = {});

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  // Seconds from exec until the port was logged (config parsed, probing started).
  double startup_seconds() const { return startup_seconds_; }
  // When the port was seen in the log: probing had started (counters count from about here).
  std::chrono::steady_clock::time_point ready_time() const { return ready_time_; }
  // GET /metrics on a fresh connection; with `gzip`, sends Accept-Encoding: gzip.
  Scrape ScrapeMetrics(bool gzip = false) const;
  // The daemon's stderr so far.
  std::string Log() const;
  // SIGTERM; returns the seconds it took to exit.
  double Stop();

 private:
  std::string log_path_;
  ChildProcess child_;
  int port_ = 0;
  double startup_seconds_ = 0;
  std::chrono::steady_clock::time_point ready_time_;
};

}  // namespace latencyd::bench
