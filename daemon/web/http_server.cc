#include "daemon/web/http_server.h"

#include <httplib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "daemon/log.h"
#include "daemon/web/basic_auth.h"
#include "daemon/web/connection_threads.h"
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
// hold one of the renderer's few snapshots for long.
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

// A page: busy (503), a bad query (4xx, plain text), or the body as SetBody serves it.
void Reply(const httplib::Request& request, httplib::Response& response,
           std::optional<HttpReply> reply, const char* content_type) {
  if (!reply) return SetBusy(response, "page renders");
  if (reply->status != 200) {
    response.status = reply->status;
    response.set_content(reply->body + "\n", "text/plain; charset=utf-8");
    return;
  }
  SetBody(request, response, std::move(reply->body), content_type);
}

HttpQuery QueryOf(const httplib::Request& request) {
  return HttpQuery(request.params.begin(), request.params.end());
}

void RegisterReadRoutes(httplib::Server& server, const HttpHandlers& handlers) {
  server.Get("/metrics", [&handlers](const httplib::Request& request, httplib::Response& res) {
    BodyPieces pieces = handlers.metrics();
    if (!pieces) return SetBusy(res, "scrapes");
    StreamMetrics(request, res, std::move(pieces));
  });
  server.Get("/", [&handlers](const httplib::Request& request, httplib::Response& response) {
    Reply(request, response, handlers.status_page(QueryOf(request)), "text/html; charset=utf-8");
  });
  server.Get("/api/v1/endpoints", [&handlers](const httplib::Request& request,
                                              httplib::Response& response) {
    Reply(request, response, handlers.endpoints_json(QueryOf(request)), "application/json");
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

void RegisterReloadRoute(httplib::Server& server, const HttpHandlers& handlers,
                         bool enable_lifecycle) {
  // The content-reader form: cpp-httplib answers 400 to a plain-handler POST without a
  // Content-Length, which is how `curl -X POST .../-/reload` sends it. The body is ignored
  // (the connection loop has already read it, bounded, and checked its framing).
  server.Post("/-/reload", [&handlers, enable_lifecycle](const httplib::Request&,
                                                         httplib::Response& response,
                                                         const httplib::ContentReader&) {
    if (!enable_lifecycle) {
      response.status = 403;
      response.set_content(
          "Lifecycle API is not enabled: start latencyd with --web.enable-lifecycle to reload "
          "over HTTP (SIGHUP and systemctl reload work without it).\n",
          "text/plain");
      return;
    }
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

// cpp-httplib's server with its connection handling replaced: Server::process_and_close_socket
// is a private virtual that the accept loop calls for each accepted socket (overriding it
// is allowed despite the access), and Server::process_request, which parses and routes one
// request from a Stream, is protected. So the accept loop, TLS setup, parsing and routing
// stay cpp-httplib's, and what happens between accept and parsing is ours.
template <class Base>
class GuardedServer final : public Base {
 public:
  template <class... Args>
  GuardedServer(const ConnectionLimits& limits, int stop_fd, Args&&... args)
      : Base(std::forward<Args>(args)...), limits_(limits), stop_fd_(stop_fd) {}

  // cpp-httplib 0.11 listens with a backlog of 5: a burst of connections overflows it and
  // each dropped SYN costs its client a 1 s retransmission. Calling listen() again on the
  // bound socket only raises the backlog.
  void RaiseListenBacklog() { ::listen(this->svr_sock_, SOMAXCONN); }

  void Serve(int fd) {
    ConnectionTransport transport(fd, stop_fd_, TlsContext());
    ServeConnection(transport, limits_, [this](httplib::Stream& stream, bool close, bool& closed) {
      return this->process_request(stream, close, closed, nullptr);
    });
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    Serve(sock);
    return true;
  }
  ssl_ctx_st* TlsContext() {
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
      return this->ssl_context();
    } else {
      return nullptr;
    }
  }

  const ConnectionLimits limits_;
  const int stop_fd_;
};

using PlainServer = GuardedServer<httplib::Server>;
using TlsServer = GuardedServer<httplib::SSLServer>;

// What the server offers beyond httplib::Server's interface.
struct GuardedHooks {
  std::function<void(int)> serve;
  std::function<void()> raise_listen_backlog;
};

template <class Server>
void SetHooks(Server* server, GuardedHooks* hooks) {
  hooks->serve = [server](int fd) { server->Serve(fd); };
  hooks->raise_listen_backlog = [server] { server->RaiseListenBacklog(); };
}

std::unique_ptr<httplib::Server> MakeServer(const WebSecurity& security,
                                            const ConnectionLimits& limits, int stop_fd,
                                            GuardedHooks* hooks) {
  if (security.cert_file.empty()) {
    auto server = std::make_unique<PlainServer>(limits, stop_fd);
    SetHooks(server.get(), hooks);
    return server;
  }
  auto server = std::make_unique<TlsServer>(limits, stop_fd, security.cert_file.c_str(),
                                            security.key_file.c_str());
  if (!server->is_valid()) {
    throw std::runtime_error("cannot load TLS certificate " + security.cert_file + " / key " +
                             security.key_file);
  }
  SetHooks(server.get(), hooks);
  return server;
}

void RequireBasicAuth(httplib::Server& server, const std::shared_ptr<BasicAuthenticator>& auth) {
  server.set_pre_routing_handler(
      [auth](const httplib::Request& request, httplib::Response& response) {
        switch (auth->Check(request.get_header_value("Authorization"))) {
          case BasicAuthenticator::Verdict::kAllowed:
            return httplib::Server::HandlerResponse::Unhandled;
          case BasicAuthenticator::Verdict::kBusy:
            response.status = 429;
            response.set_header("Retry-After", "1");
            response.set_content("Too many logins at once, try again.\n", "text/plain");
            return httplib::Server::HandlerResponse::Handled;
          case BasicAuthenticator::Verdict::kDenied:
            break;
        }
        response.status = 401;
        response.set_header("WWW-Authenticate", "Basic realm=\"latencyd\"");
        response.set_content("Unauthorized\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      });
}

// Each connection gets a thread of its own, so idle keep-alive or slow clients never stall
// /metrics and /-/healthy; threads idle for 2 s exit again. They run below the probe loops'
// priority (HttpServerOptions::thread_nice_increment).
void ConfigureThreads(httplib::Server& server, const HttpServerOptions& options) {
  server.new_task_queue = [options] {
    return new ConnectionThreads(options.max_connections, options.thread_stack_bytes,
                                 std::chrono::seconds(2), options.thread_nice_increment);
  };
}

int Bind(httplib::Server& server, const std::string& host, int port) {
  if (port == 0) return server.bind_to_any_port(host);
  return server.bind_to_port(host, port) ? port : -1;
}

}  // namespace

struct HttpServer::Impl {
  HttpHandlers handlers;
  // Readable once the server stops, so every connection's waits end at once.
  int stop_fd = eventfd(0, EFD_CLOEXEC);
  std::unique_ptr<httplib::Server> server;
  GuardedHooks hooks;
  ~Impl() { close(stop_fd); }
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
                       const WebSecurity& security, const HttpServerOptions& options)
    : impl_(std::make_unique<Impl>()) {
  std::string host;
  int port = 0;
  if (!SplitListenAddress(listen_address, &host, &port)) {
    throw std::runtime_error("invalid listen address \"" + listen_address + "\" (want HOST:PORT)");
  }
  impl_->handlers = std::move(handlers);
  impl_->server = MakeServer(security, options.connection, impl_->stop_fd, &impl_->hooks);
  httplib::Server& server = *impl_->server;
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second daemon bind the same
  // port and silently take half the scrapes; SO_REUSEADDR alone still allows quick restarts.
  server.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  ConfigureThreads(server, options);
  if (!security.basic_auth_users.empty()) {
    RequireBasicAuth(server, std::make_shared<BasicAuthenticator>(security.basic_auth_users,
                                                                  options.basic_auth));
  }
  RegisterReadRoutes(server, impl_->handlers);
  RegisterReloadRoute(server, impl_->handlers, options.enable_lifecycle);
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
  impl_->hooks.raise_listen_backlog();
  thread_ = std::thread([this] { impl_->server->listen_after_bind(); });
  // cpp-httplib's stop() is a no-op until the listen loop runs, so a server destroyed right
  // after construction would wait forever in join(); return only once it is running.
  while (!server.is_running()) std::this_thread::yield();
}

void HttpServer::ServeSocket(int fd) { impl_->hooks.serve(fd); }

HttpServer::~HttpServer() {
  std::uint64_t one = 1;
  if (write(impl_->stop_fd, &one, sizeof(one)) != sizeof(one)) {
    log::Error("cannot signal the HTTP connections to stop");
  }
  impl_->server->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace latencyd
