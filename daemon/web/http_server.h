// The daemon's own HTTP server (/metrics, status page, JSON API, health, reload) as one small
// RAII class over cpp-httplib, which nothing else includes, so it can be replaced. Thread-safe.
//
// Facing hostile clients: cpp-httplib 0.11 serves each connection on one thread of a fixed
// pool, bounds neither the number nor the total size of header fields, reads bodies beyond
// its limit in full, and has only per-recv timeouts, so 16 clients trickling a header line
// every few seconds held all of its threads. Here every accepted connection gets a thread of
// its own (ConnectionThreads: up to a high cap, small stacks), and the connection is read by
// our own code first (ConnectionLoop, RequestReader): the whole request, head and body, by one
// deadline, within size limits, with strict framing; only then does cpp-httplib parse and
// route it, from memory. A slow client costs a small thread for at most the request
// deadline; a large request costs at most the size limits.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/web/basic_auth.h"
#include "daemon/web/connection_loop.h"

namespace latencyd {

// A response body handed over a piece at a time: each call returns the next piece (valid until
// the next call), an empty view at the end. Destroying it ends the body's use of its source.
using BodyPieces = std::function<std::string_view()>;

// A page's answer: 200 with the body, or a 4xx with a plain-text reason.
struct HttpReply {
  int status = 200;
  std::string body;
};
// The request's query parameters: name -> each value, in order.
using HttpQuery = std::multimap<std::string, std::string>;

// What the routes answer with; the server itself knows nothing of the monitor.
struct HttpHandlers {
  // Prometheus text format 0.0.4, streamed; an empty function when no scrape can start now
  // (answered 503).
  std::function<BodyPieces()> metrics;
  // HTML and JSON for the request's query; nullopt when the page cannot be built now
  // (answered 503).
  std::function<std::optional<HttpReply>(const HttpQuery&)> status_page;
  std::function<std::optional<HttpReply>(const HttpQuery&)> endpoints_json;
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

struct HttpServerOptions {
  // --web.enable-lifecycle: POST /-/reload reloads; without it, 403 (as in Prometheus).
  bool enable_lifecycle = false;
  ConnectionLimits connection;
  // Connections served at once, each on its own thread; more wait for a free one.
  std::size_t max_connections = 512;
  std::size_t thread_stack_bytes = 256 * 1024;
  // Added to each server thread's nice value: a scrape of 10,000 endpoints is a few hundred ms
  // of CPU, and on a busy machine that CPU must come after the probe loops', whose lateness
  // would show as latency (bench/README.md, "Scrapes at low priority").
  int thread_nice_increment = 10;
  BasicAuthLimits basic_auth;
};

// "HOST:PORT", ":PORT" (all interfaces) or "[V6]:PORT" -> host and port; false when malformed.
bool SplitListenAddress(const std::string& address, std::string* host, int* port);

class HttpServer {
 public:
  // Binds `listen_address` (port 0 picks a free port) and serves on a background thread.
  // Throws std::runtime_error when the address is malformed or cannot be bound.
  HttpServer(const std::string& listen_address, HttpHandlers handlers,
             const WebSecurity& security = {}, const HttpServerOptions& options = {});
  ~HttpServer();  // stops listening and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

  // Serves one connected socket on the calling thread, exactly as an accepted connection, and
  // closes it (the HTTP fuzz target feeds requests through a socket pair this way).
  void ServeSocket(int fd);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace latencyd
