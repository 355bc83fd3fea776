// FixtureServer: cpp-httplib routes plus the lifecycle that makes its destructor prompt.
#include "test/support/fixture_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <future>
#include <stdexcept>

namespace latencyd::testing {
namespace {

constexpr std::size_t kMaxGeneratedBytes = 256u << 20;  // guards /bytes and /gzip
constexpr int kListenBacklog = 4096;  // cpp-httplib 0.11.4 listens with a backlog of 5

std::size_t ParseSize(const std::string& text) {
  return std::min<std::size_t>(std::strtoull(text.c_str(), nullptr, 10), kMaxGeneratedBytes);
}

// gzip (not zlib/deflate framing) so clients see Content-Encoding: gzip.
std::string Gzip(const std::string& input) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, input.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Registers `handler` for every method cpp-httplib routes (GET also serves HEAD).
void Any(httplib::Server& server, const std::string& pattern, httplib::Server::Handler handler) {
  server.Get(pattern, handler);
  server.Post(pattern, handler);
  server.Put(pattern, handler);
  server.Patch(pattern, handler);
  server.Delete(pattern, handler);
  server.Options(pattern, handler);
}

}  // namespace

FixtureServer::FixtureServer() : FixtureServer(Options{}) {}

namespace {

std::unique_ptr<httplib::Server> MakeServer(const FixtureServer::Options& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return std::make_unique<httplib::Server>();
  }
  auto server = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                     options.tls_key_file.c_str());
  if (!server->is_valid()) throw std::runtime_error("FixtureServer: cannot load TLS cert/key");
  return server;
}

}  // namespace

FixtureServer::FixtureServer(Options options) : server_(MakeServer(options)) {
  if (!options.tls_cert_file.empty() && !options.tls_key_file.empty()) scheme_ = "https";
  const std::size_t threads = options.threads > 0 ? options.threads : 1;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  // cpp-httplib closes a keep-alive connection after 5 requests by default, which would make
  // every fifth keep-alive probe pay a connect.
  server_->set_keep_alive_max_count(1u << 20);
  // Capture the listening socket so the backlog can be raised after bind (bursts of hundreds
  // of fresh connections would otherwise lose SYNs and stall for a 1 s retransmit).
  server_->set_socket_options([this](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = fd;
  });
  InstallRoutes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FixtureServer: cannot bind 127.0.0.1:0");
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);

  // The socket already accepts connections (they queue in the backlog); we only wait for the
  // accept loop to be marked running, because Server::stop() is a no-op before that.
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::yield();
}

FixtureServer::~FixtureServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();  // releases /hang and pending delays
  server_->stop();
  // Handler threads idle in keep-alive reads only notice the stop when their socket wakes
  // them; shut the accepted sockets down until the accept loop and its pool have finished.
  auto done = std::async(std::launch::async, [this] { listener_.join(); });
  while (done.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    ShutdownAcceptedSockets();
  }
}

std::string FixtureServer::Url(const std::string& path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

void FixtureServer::SetRoute(const std::string& name, std::chrono::microseconds delay, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[name] = Route{delay, status};
}

std::uint64_t FixtureServer::RequestCount(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(path);
  return it == counts_.end() ? 0 : it->second;
}

std::string FixtureServer::LastRequest(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_.find(path);
  return it == last_.end() ? std::string() : it->second;
}

namespace {

std::string Describe(const httplib::Request& req) {
  std::string out = req.method + "\n";
  for (const auto& [name, value] : req.headers) out += name + ": " + value + "\n";
  return out + "\n" + req.body;
}

}  // namespace

void FixtureServer::Count(const httplib::Request& req) {
  std::string described = Describe(req);
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[req.path];
  last_[req.path] = std::move(described);
}

bool FixtureServer::SleepUntil(std::chrono::steady_clock::time_point deadline) {
  // The default 50 us timer slack would blur sub-millisecond delays; this is per thread.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_until(lock, deadline, [this] { return stopping_; });
}

void FixtureServer::HandleNamedRoute(const httplib::Request& req, httplib::Response& res) {
  Route route;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = routes_.find(req.matches[1]);
    if (it == routes_.end()) {
      res.status = 404;
      res.set_content("no such route", "text/plain");
      return;
    }
    route = it->second;
  }
  if (route.delay.count() > 0) SleepUntil(std::chrono::steady_clock::now() + route.delay);
  res.status = route.status;
  res.set_content("ok", "application/octet-stream");
}

void FixtureServer::InstallRoutes() {
  httplib::Server& s = *server_;
  // Every handler counts itself and is tracked as active while it runs.
  auto wrap = [this](auto fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      Count(req);
      ++active_;
      fn(req, res);
      --active_;
    };
  };
  Any(s, R"(/delay/(\d+))", wrap([this](const httplib::Request& req, httplib::Response& res) {
        auto us = std::chrono::microseconds(std::strtoll(req.matches[1].str().c_str(), 0, 10));
        SleepUntil(std::chrono::steady_clock::now() + us);
        res.set_content("ok", "application/octet-stream");
      }));
  Any(s, R"(/status/(\d+))", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.status = std::atoi(req.matches[1].str().c_str());
        res.set_content("status " + req.matches[1].str(), "application/octet-stream");
      }));
  Any(s, R"(/bytes/(\d+))", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.set_content(std::string(ParseSize(req.matches[1]), 'x'), "application/octet-stream");
      }));
  Any(s, R"(/gzip/(\d+))", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Content-Encoding", "gzip");
        // octet-stream: cpp-httplib does not compress it again.
        res.set_content(Gzip(std::string(ParseSize(req.matches[1]), 'x')),
                        "application/octet-stream");
      }));
  Any(s, "/body", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.set_content(req.get_param_value("text"), "text/plain");
      }));
  Any(s, R"(/redirect/(\d+))", wrap([](const httplib::Request& req, httplib::Response& res) {
        long n = std::atol(req.matches[1].str().c_str());
        if (n <= 0) return res.set_content("ok", "application/octet-stream");
        res.set_redirect("/redirect/" + std::to_string(n - 1));
      }));
  Any(s, "/redirect-loop", wrap([](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("/redirect-loop");
      }));
  Any(s, "/redirect-ftp", wrap([](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("ftp://127.0.0.1/file");
      }));
  Any(s, "/hang", wrap([this](const httplib::Request&, httplib::Response& res) {
        std::unique_lock<std::mutex> lock(mu_);
        stop_cv_.wait(lock, [this] { return stopping_; });
        res.status = 503;
      }));
  Any(s, "/echo", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.set_content(Describe(req), "text/plain");
      }));
  Any(s, "/redirect-to", wrap([](const httplib::Request& req, httplib::Response& res) {
        res.set_redirect(req.get_param_value("url"),
                         std::atoi(req.get_param_value("code").c_str()));
      }));
  Any(s, R"(/r/([^/]+))", wrap([this](const httplib::Request& req, httplib::Response& res) {
        HandleNamedRoute(req, res);
      }));
}

void FixtureServer::ShutdownAcceptedSockets() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.sin_family != AF_INET || ntohs(addr.sin_port) != port_) continue;
    sockaddr_in peer{};
    socklen_t peer_len = sizeof(peer);
    // Only connected sockets accepted by this server: local port ours, peer present.
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

}  // namespace latencyd::testing
