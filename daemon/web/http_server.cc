#include "daemon/web/http_server.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "daemon/log.h"
#include "daemon/web/basic_auth.h"
#include "daemon/web/gzip_stream.h"

namespace latencyd {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// cpp-httplib 0.11 compresses by itself whenever a text body meets an Accept-Encoding it
// knows: brotli at quality 11 (seconds of CPU per MB; a browser asks for it) before gzip at
// level 6, without a Vary header. latencyd compresses its pages itself (gzip, level chosen
// by measurement, see gzip_stream.h), so it decides here and removes the header from the
// request before cpp-httplib looks at it. The Request is the server's own non-const object,
// handed to handlers as const, so the const_cast is defined behaviour.
bool TakeGzipPreference(const httplib::Request& request) {
  auto& headers = const_cast<httplib::Request&>(request).headers;
  auto [first, last] = headers.equal_range("Accept-Encoding");  // case-insensitive map
  bool gzip = false;
  for (auto it = first; it != last; ++it) gzip = gzip || AcceptsGzip(it->second);
  headers.erase(first, last);
  return gzip;
}

void SetBusy(httplib::Response& response, const char* what) {
  response.status = 503;
  response.set_header("Retry-After", "1");
  response.set_content(std::string("Too many ") + what + " in progress; try again.\n",
                       "text/plain");
}

// A whole body (status page, JSON), gzip-compressed when the client accepts it.
void SetBody(const httplib::Request& request, httplib::Response& response,
             std::optional<std::string> page, const char* content_type) {
  if (!page) return SetBusy(response, "page renders");
  std::string body = std::move(*page);
  response.set_header("Vary", "Accept-Encoding");
  if (TakeGzipPreference(request)) {
    response.set_header("Content-Encoding", "gzip");
    body = GzipCompress(body);
  }
  response.set_content(body, content_type);
}

// /metrics is streamed: each call of the provider writes the next piece of the text (chunked
// transfer encoding), gzip-compressed on the way when the client accepts it, so no scrape
// holds the whole text (62 MB at 10,000 endpoints) or its compressed form. A scrape that has
// not finished after kScrapeDeadline (a client reading too slowly) is cut off, so it cannot
// keep one of the renderer's few slots.
constexpr auto kScrapeDeadline = std::chrono::seconds(60);

void StreamMetrics(const httplib::Request& request, httplib::Response& response,
                   BodyPieces pieces) {
  response.set_header("Vary", "Accept-Encoding");
  std::shared_ptr<GzipStream> gzip;
  if (TakeGzipPreference(request)) {
    gzip = std::make_shared<GzipStream>();
    response.set_header("Content-Encoding", "gzip");
  }
  const auto deadline = std::chrono::steady_clock::now() + kScrapeDeadline;
  response.set_chunked_content_provider(
      kMetricsContentType,
      [pieces = std::move(pieces), gzip, deadline](std::size_t, httplib::DataSink& sink) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        const std::string_view piece = pieces();
        auto write = [&sink](const char* data, std::size_t size) { return sink.write(data, size); };
        if (piece.empty()) {
          if (gzip && !gzip->Finish(write)) return false;
          sink.done();
          return true;
        }
        return gzip ? gzip->Write(piece, write) : sink.write(piece.data(), piece.size());
      });
}

void RegisterReadRoutes(httplib::Server& server, const HttpHandlers& handlers) {
  server.Get("/metrics", [&handlers](const httplib::Request& request, httplib::Response& res) {
    BodyPieces pieces = handlers.metrics();
    if (!pieces) return SetBusy(res, "scrapes");
    StreamMetrics(request, res, std::move(pieces));
  });
  server.Get("/", [&handlers](const httplib::Request& request, httplib::Response& response) {
    SetBody(request, response, handlers.status_page(), "text/html; charset=utf-8");
  });
  server.Get("/api/v1/endpoints",
             [&handlers](const httplib::Request& request, httplib::Response& response) {
               SetBody(request, response, handlers.endpoints_json(), "application/json");
             });
  server.Get("/-/healthy", [&handlers](const httplib::Request&, httplib::Response& response) {
    bool healthy = handlers.healthy();
    response.status = healthy ? 200 : 503;
    response.set_content(healthy ? "Healthy.\n" : "A probe loop is stuck.\n", "text/plain");
  });
  server.Get("/-/ready", [&handlers](const httplib::Request&, httplib::Response& response) {
    bool ready = handlers.ready();
    response.status = ready ? 200 : 503;
    response.set_content(ready ? "Ready.\n" : "Not ready.\n", "text/plain");
  });
}

void RegisterReloadRoute(httplib::Server& server, const HttpHandlers& handlers) {
  // The content-reader form: cpp-httplib answers 400 to a plain-handler POST without a
  // Content-Length, which is how `curl -X POST .../-/reload` sends it. The body is ignored.
  server.Post("/-/reload", [&handlers](const httplib::Request&, httplib::Response& response,
                                       const httplib::ContentReader&) {
    std::optional<std::string> error = handlers.reload();
    response.status = error ? 500 : 200;
    response.set_content(error ? *error + "\n" : "Reloaded.\n", "text/plain");
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "POST");
    response.set_content("Only POST reloads.\n", "text/plain");
  };
  server.Get("/-/reload", not_allowed);
  server.Put("/-/reload", not_allowed);
  server.Delete("/-/reload", not_allowed);
  server.Patch("/-/reload", not_allowed);
  server.Options("/-/reload", not_allowed);
}

std::unique_ptr<httplib::Server> MakeServer(const WebSecurity& security) {
  if (security.cert_file.empty()) return std::make_unique<httplib::Server>();
  auto server =
      std::make_unique<httplib::SSLServer>(security.cert_file.c_str(), security.key_file.c_str());
  if (!server->is_valid()) {
    throw std::runtime_error("cannot load TLS certificate " + security.cert_file + " / key " +
                             security.key_file);
  }
  return server;
}

void RequireBasicAuth(httplib::Server& server, const BasicAuthUsers& users) {
  server.set_pre_routing_handler(
      [users](const httplib::Request& request, httplib::Response& response) {
        if (CheckBasicAuth(request.get_header_value("Authorization"), users)) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        response.status = 401;
        response.set_header("WWW-Authenticate", "Basic realm=\"latencyd\"");
        response.set_content("Unauthorized\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      });
}

// cpp-httplib serves one connection per pool thread, and an idle keep-alive connection keeps
// its thread: with the defaults (8 threads, 5 s), a few idle clients stall /metrics and
// /-/healthy for seconds and delay shutdown. More threads and a 1 s keep-alive bound both;
// Prometheus simply reconnects at its next scrape.
void ConfigureLimits(httplib::Server& server) {
  constexpr std::size_t kThreads = 16;
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server.set_keep_alive_timeout(1);
  server.set_read_timeout(10);
  server.set_write_timeout(30);              // a 10k-endpoint /metrics is tens of MB
  server.set_payload_max_length(64 * 1024);  // no route takes a body
}

int Bind(httplib::Server& server, const std::string& host, int port) {
  if (port == 0) return server.bind_to_any_port(host);
  return server.bind_to_port(host, port) ? port : -1;
}

}  // namespace

struct HttpServer::Impl {
  HttpHandlers handlers;
  std::unique_ptr<httplib::Server> server;
};

bool SplitListenAddress(const std::string& address, std::string* host, int* port) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host_part = address.substr(0, colon);
  std::string port_part = address.substr(colon + 1);
  if (port_part.empty() || port_part.size() > 5 ||
      port_part.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int parsed = std::stoi(port_part);
  if (parsed > 65535) return false;
  if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
    host_part = host_part.substr(1, host_part.size() - 2);
  }
  *host = host_part.empty() ? "::" : host_part;  // all interfaces, IPv6 and IPv4
  *port = parsed;
  return true;
}

HttpServer::HttpServer(const std::string& listen_address, HttpHandlers handlers,
                       const WebSecurity& security)
    : impl_(std::make_unique<Impl>()) {
  std::string host;
  int port = 0;
  if (!SplitListenAddress(listen_address, &host, &port)) {
    throw std::runtime_error("invalid listen address \"" + listen_address + "\" (want HOST:PORT)");
  }
  impl_->handlers = std::move(handlers);
  impl_->server = MakeServer(security);
  httplib::Server& server = *impl_->server;
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second daemon bind the same
  // port and silently take half the scrapes; SO_REUSEADDR alone still allows quick restarts.
  server.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  ConfigureLimits(server);
  if (!security.basic_auth_users.empty()) RequireBasicAuth(server, security.basic_auth_users);
  RegisterReadRoutes(server, impl_->handlers);
  RegisterReloadRoute(server, impl_->handlers);
  server.set_exception_handler([](const httplib::Request& request, httplib::Response& response,
                                  const std::exception_ptr& error) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("HTTP handler failed", {{"path", request.path}, {"err", what}});
    response.status = 500;
    response.set_content("internal error: " + what + "\n", "text/plain");
  });
  port_ = Bind(server, host, port);
  // "::" is dual-stack on Linux; where IPv6 is disabled, all IPv4 interfaces still work.
  if (port_ <= 0 && host == "::") port_ = Bind(server, "0.0.0.0", port);
  if (port_ <= 0) {
    throw std::runtime_error("cannot listen on " + listen_address +
                             " (address in use or not available)");
  }
  thread_ = std::thread([this] { impl_->server->listen_after_bind(); });
  // cpp-httplib's stop() is a no-op until the listen loop runs, so a server destroyed right
  // after construction would wait forever in join(); return only once it is running.
  while (!server.is_running()) std::this_thread::yield();
}

HttpServer::~HttpServer() {
  impl_->server->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace latencyd
