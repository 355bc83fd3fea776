// The --web.config.file model: TLS and basic auth for latencyd's own HTTP server, in the
// subset of the Prometheus exporter-toolkit web config format that latencyd implements.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace latencyd::config {

// Plain values, no invariants beyond those LoadWebConfigFile checks.
struct WebConfig {
  // Both empty (plain HTTP) or both set; relative paths are resolved against the directory
  // of the web config file, as the exporter-toolkit does.
  std::string cert_file;
  std::string key_file;
  // user -> bcrypt hash ($2a$, $2b$ or $2y$), in file order; empty: no authentication.
  std::vector<std::pair<std::string, std::string>> basic_auth_users;
};

// Reads and validates a web config file (at most 1 MiB). Any key outside the supported subset
// is an error, so a security setting is never silently ignored. Throws ConfigError.
WebConfig LoadWebConfigFile(const std::string& path);

// Parses web config text; `file_name` is used in messages and to resolve relative paths.
// Throws ConfigError.
WebConfig ParseWebConfig(const std::string& text, const std::string& file_name);

}  // namespace latencyd::config
