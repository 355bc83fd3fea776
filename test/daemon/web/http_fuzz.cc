// libFuzzer target: request bytes go through a socket pair into the daemon's real HTTP
// server (its connection loop, request reader and framing checks, then cpp-httplib's
// parsing and routing). It must never crash, hang or leak, and no input may run a reload
// unless it names the reload route. Built with Clang (see CMakeLists.txt); the corpus in
// http_fuzz_corpus/ is replayed by every build through http_fuzz_replay.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/web/http_server.h"

namespace {

std::atomic<int> reloads{0};

latencyd::HttpServer& Server() {
  static latencyd::HttpServer* server = [] {
    latencyd::HttpHandlers handlers;
    handlers.metrics = [] {
      auto done = std::make_shared<bool>(false);
      return latencyd::BodyPieces([done]() -> std::string_view {
        if (*done) return {};
        *done = true;
        return "latencyd_up 1\n";
      });
    };
    handlers.status_page = [](const latencyd::HttpQuery&) {
      return std::optional<latencyd::HttpReply>(latencyd::HttpReply{200, "<html></html>"});
    };
    handlers.endpoints_json = [](const latencyd::HttpQuery&) {
      return std::optional<latencyd::HttpReply>(latencyd::HttpReply{200, "{}"});
    };
    handlers.healthy = [] { return true; };
    handlers.ready = [] { return true; };
    handlers.reload = []() -> std::optional<std::string> {
      ++reloads;
      return std::nullopt;
    };
    latencyd::HttpServerOptions options;
    options.enable_lifecycle = true;
    // Every input is complete when serving starts: no wait may outlast a fuzzing run.
    options.connection.request_timeout = std::chrono::milliseconds(200);
    options.connection.idle_timeout = std::chrono::milliseconds(200);
    options.connection.response_timeout = std::chrono::milliseconds(1000);
    return new latencyd::HttpServer("127.0.0.1:0", std::move(handlers), {}, options);
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  latencyd::HttpServer& server = Server();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) std::abort();
  // Room for the whole input one way and every answer the other, so nothing blocks.
  int buffer = 4 << 20;
  setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
  setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
  for (std::size_t sent = 0; sent < size;) {
    ssize_t n = write(pair[0], data + sent, size - sent);
    if (n <= 0) break;  // larger than the socket buffer: the rest is cut off
    sent += static_cast<std::size_t>(n);
  }
  shutdown(pair[0], SHUT_WR);
  int before = reloads;
  server.ServeSocket(pair[1]);  // closes pair[1]
  close(pair[0]);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (reloads != before && input.find("/-/reload") == std::string_view::npos) std::abort();
  return 0;
}
