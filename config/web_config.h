// The --web.config.file of the Prometheus exporter-toolkit: TLS and basic auth for latencyd's
// own HTTP server. Only the subset latencyd implements is accepted; anything else is an error
// rather than silently ignored security.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace latencyd::config {

struct WebConfig {
  std::string cert_file;  // tls_server_config.cert_file; empty: plain HTTP
  std::string key_file;   // tls_server_config.key_file
  std::vector<std::pair<std::string, std::string>> basic_auth_users;  // user -> bcrypt hash
};

// Reads and validates a web config file. Throws ConfigError (see config.h).
WebConfig LoadWebConfigFile(const std::string& path);
WebConfig ParseWebConfig(const std::string& text, const std::string& file_name);

}  // namespace latencyd::config
