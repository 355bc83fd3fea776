// Loopback HTTP servers for tests and benchmarks: FixtureServer serves well-formed HTTP routes
// with controllable latency and status (raw_server.h adds misbehaving peers and ClosedPort).
//
// Every server binds 127.0.0.1 on an ephemeral port, is ready when its constructor returns and
// stops in its destructor, promptly even while requests are hanging.
//
// Example:
//   latencyd::testing::FixtureServer server;
//   server.SetRoute("api", std::chrono::milliseconds(2));   // GET /r/api: 200 after 2 ms
//   std::string url = server.Url("/r/api");                  // "http://127.0.0.1:PORT/r/api"
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test/support/raw_server.h"  // RawServer, ClosedPort: one include for all fixtures

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace latencyd::testing {

// An HTTP/1.1 server (cpp-httplib) with these routes, all answering any method:
//
//   /delay/<us>      200 "ok" after <us> microseconds (precise: timer slack 1 ns, no polling)
//   /status/<code>   <code> with body "status <code>"
//   /bytes/<n>       200 with n bytes ('x'), application/octet-stream
//   /gzip/<n>        200 with Content-Encoding: gzip; n bytes ('x') once decompressed
//   /body?text=T     200 with body T (text/plain)
//   /redirect/<n>    302 to /redirect/<n-1>; /redirect/0 answers 200 "ok"
//   /redirect-loop   302 to itself, forever
//   /redirect-ftp    302 to ftp://127.0.0.1/file
//   /redirect-to?code=C&url=U   status C (e.g. 307) with Location: U (another origin, say)
//   /hang            never answers until the server is destroyed (then the socket closes)
//   /echo            200; body "METHOD\n" + request headers "Name: value\n" + "\n" + body
//                    (cpp-httplib adds REMOTE_ADDR, LOCAL_PORT... pseudo-headers to the list)
//   /r/<name>        the named route set by SetRoute (404 while unknown)
//
// Thread-safe: SetRoute, RequestCount, port and Url may be called from any thread while the
// server runs. Handler threads: 64 by default, so slow routes do not starve fast ones (more
// concurrent slow requests than threads queue up). Listen backlog 4096, so bursts of fresh
// connections are not dropped; keep-alive connections stay open for any number of requests
// (idle ones close after 5 s). Bodies other than /body and /echo are application/octet-stream,
// which cpp-httplib never compresses. The constructor throws std::runtime_error if it cannot
// bind or load the TLS files.
class FixtureServer {
 public:
  struct Options {
    int threads = 64;
    // Both set (PEM files): serve HTTPS instead of HTTP, and Url() returns https:// URLs.
    std::string tls_cert_file;
    std::string tls_key_file;
  };
  FixtureServer();
  explicit FixtureServer(Options options);
  // Stops listening, releases /hang and pending delays, closes open connections, joins.
  ~FixtureServer();
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" + path (https:// when serving TLS); `path` starts with '/'.
  std::string Url(const std::string& path) const;

  // Creates or changes /r/<name>: answers `status` with body "ok" after `delay`. Takes effect
  // for requests arriving after the call.
  void SetRoute(const std::string& name, std::chrono::microseconds delay, int status = 200);

  // Requests received for exactly this path (no query string), e.g. "/r/api" or "/hang",
  // counted when the request arrives (before any delay).
  std::uint64_t RequestCount(const std::string& path) const;
  // The last request received for exactly this path, as /echo would answer it: "METHOD\n",
  // then "Name: value\n" per header, "\n", then the body; "" when none arrived.
  std::string LastRequest(const std::string& path) const;
  // Requests currently being handled (including those hanging or sleeping).
  int ActiveRequests() const { return active_.load(); }

 private:
  struct Route {
    std::chrono::microseconds delay{};
    int status = 200;
  };
  void InstallRoutes();
  void Count(const httplib::Request& req);
  // Sleeps until `deadline` or until the server stops; false when stopped.
  bool SleepUntil(std::chrono::steady_clock::time_point deadline);
  void HandleNamedRoute(const httplib::Request& req, httplib::Response& res);
  void ShutdownAcceptedSockets();

  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::string scheme_ = "http";

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                        // guarded by mu_
  std::map<std::string, Route> routes_;          // guarded by mu_
  std::map<std::string, std::uint64_t> counts_;  // guarded by mu_
  std::map<std::string, std::string> last_;      // guarded by mu_: LastRequest
  std::atomic<int> active_{0};
};

}  // namespace latencyd::testing
