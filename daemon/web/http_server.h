// The daemon's own HTTP server (/metrics, status page, JSON API, health, reload) as one small
// RAII class over cpp-httplib, which nothing else includes, so it can be replaced. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace latencyd {

// A response body handed over a piece at a time: each call returns the next piece (valid until
// the next call), an empty view at the end. Destroying it ends the body's use of its source.
using BodyPieces = std::function<std::string_view()>;

// What the routes answer with; the server itself knows nothing of the monitor.
struct HttpHandlers {
  // Prometheus text format 0.0.4, streamed; an empty function when no scrape can start now
  // (answered 503).
  std::function<BodyPieces()> metrics;
  // HTML and JSON; nullopt when the page cannot be built now (answered 503).
  std::function<std::optional<std::string>()> status_page;
  std::function<std::optional<std::string>()> endpoints_json;
  std::function<bool()> healthy;
  std::function<bool()> ready;
  // Reloads the config: std::nullopt on success, else the error text (old config stays).
  std::function<std::optional<std::string>()> reload;
};

// TLS and basic authentication for the server (--web.config.file).
struct WebSecurity {
  std::string cert_file;  // empty: plain HTTP
  std::string key_file;
  // user -> bcrypt hash, as in the Prometheus exporter-toolkit web config; empty: no auth.
  std::vector<std::pair<std::string, std::string>> basic_auth_users;
};

// "HOST:PORT", ":PORT" (all interfaces) or "[V6]:PORT" -> host and port; false when malformed.
bool SplitListenAddress(const std::string& address, std::string* host, int* port);

class HttpServer {
 public:
  // Binds `listen_address` (port 0 picks a free port) and serves on a background thread.
  // Throws std::runtime_error when the address is malformed or cannot be bound.
  HttpServer(const std::string& listen_address, HttpHandlers handlers,
             const WebSecurity& security = {});
  ~HttpServer();  // stops listening and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace latencyd
