// `latencyd probe`: probes one URL, or one endpoint of a config file exactly as the daemon
// would, a few times from the command line and prints each probe's phases and the exact
// quantiles: the same measurement the daemon makes.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.h"

namespace latencyd {

struct ProbeCommandOptions {
  // Either a URL with the ad-hoc request flags below, or a config file and an endpoint name
  // (the request is then the daemon's: same spec builder, secrets, TLS, expectations).
  std::string url;
  std::string config_file;
  std::string endpoint;
  int count = 10;
  std::chrono::nanoseconds interval = std::chrono::milliseconds(200);
  // Ad-hoc request; the defaults are the daemon's defaults.
  std::chrono::nanoseconds timeout = std::chrono::seconds(1);
  bool keepalive = false;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string ca_file;
  bool insecure = false;
  std::string http_version;                // "1.1" or "2"; empty: libcurl's choice
  std::vector<std::string> expect_status;  // status specs as in the config; empty: 200-399
};

// The ProbeSpec of the ad-hoc flags, validated as the config validates the same keys;
// nullopt with `*error` set when a flag is invalid.
std::optional<probes::ProbeSpec> AdHocProbeSpec(const ProbeCommandOptions& options,
                                                std::string* error);

// Exit status: 0 when every probe succeeded, 1 when at least one failed, 2 when nothing was
// probed (bad flags, a config error, an unknown endpoint; the reason goes to `err`).
int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace latencyd
