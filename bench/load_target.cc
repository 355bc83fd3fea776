// LoadTarget: nginx with a temporary config, or the FixtureServer fallback.
#include "bench/load_target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "test/support/fixture_server.h"

namespace latencyd::bench {
namespace {

std::string Loopback(int i) { return "127.0.0." + std::to_string(1 + i); }

bool Bindable(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

std::string NginxConfig(const std::string& dir, int port, int addresses) {
  std::ostringstream conf;
  conf << "daemon off;\nmaster_process on;\nworker_processes 1;\nworker_rlimit_nofile 65536;\n"
       << "pid " << dir << "/nginx.pid;\nerror_log " << dir << "/error.log warn;\n"
       << "events { worker_connections 16384; }\n"
       << "http {\n  access_log off;\n  keepalive_timeout 65s;\n  keepalive_requests 100000;\n"
       << "  client_body_temp_path " << dir << "/tmp/body;\n"
       << "  proxy_temp_path " << dir << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << dir << "/tmp/fastcgi;\n"
       << "  uwsgi_temp_path " << dir << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << dir << "/tmp/scgi;\n"
       << "  default_type text/plain;\n  server {\n";
  for (int i = 0; i < addresses; ++i) {
    conf << "    listen " << Loopback(i) << ":" << port << " backlog=4096;\n";
  }
  conf << "    root " << dir << "/www;\n    location / { }\n  }\n}\n";
  return conf.str();
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "latencyd-bench.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  chmod(path_.c_str(), 0755);  // nginx workers run as an unprivileged user
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void WriteFileText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

int FreePort(int addresses) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    int port = ntohs(address.sin_port);
    close(fd);
    bool all = true;
    for (int i = 0; i < addresses && all; ++i) all = Bindable(Loopback(i), port);
    if (all) return port;
  }
  throw std::runtime_error("no free port");
}

bool WaitForListen(const std::string& host, int port, int timeout_ms) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

LoadTarget::LoadTarget(const Options& options) {
  if (options.kind != "fixture" && StartNginx(options)) return;
  if (options.kind == "nginx") throw std::runtime_error("nginx could not be started");
  StartFixture();
}

LoadTarget::~LoadTarget() { nginx_.Stop(); }

bool LoadTarget::StartNginx(const Options& options) {
  if (access(options.nginx.c_str(), X_OK) != 0) {
    std::cerr << "bench: " << options.nginx << " not found (apt-get install nginx-light)\n";
    return false;
  }
  const std::string& dir = dir_.path();
  std::filesystem::create_directories(dir + "/tmp");
  std::filesystem::create_directories(dir + "/www");
  WriteFileText(dir + "/www/probe.txt", "latencyd bench target\n");
  chmod((dir + "/www").c_str(), 0755);
  chmod((dir + "/www/probe.txt").c_str(), 0644);
  port_ = FreePort(options.addresses);
  addresses_ = options.addresses;
  path_ = "/probe.txt";
  WriteFileText(dir + "/nginx.conf", NginxConfig(dir, port_, addresses_));
  nginx_ = ChildProcess({options.nginx, "-p", dir, "-c", dir + "/nginx.conf"}, dir + "/nginx.out",
                        dir + "/nginx.err");
  for (int i = 0; i < addresses_; ++i) {
    if (!WaitForListen(Loopback(i), port_, 5000)) {
      std::cerr << "bench: nginx did not listen: " << ReadFileText(dir + "/nginx.err")
                << ReadFileText(dir + "/error.log") << "\n";
      nginx_.Stop();
      return false;
    }
  }
  description_ = "nginx (1 worker, static file " + path_ + ")";
  return true;
}

void LoadTarget::StartFixture() {
  fixture_ = std::make_unique<testing::FixtureServer>();
  fixture_->SetRoute("bench", std::chrono::microseconds(0));
  port_ = fixture_->port();
  addresses_ = 1;
  path_ = "/r/bench";
  description_ = "FixtureServer (cpp-httplib, in the bench process; nginx unavailable)";
}

HttpTarget LoadTarget::Address(int i) const {
  return HttpTarget{Loopback(i % addresses_), port_, path_};
}

std::vector<pid_t> LoadTarget::ServerPids() const {
  if (nginx_.pid() <= 0) return {};
  return ChildPids(nginx_.pid());
}

}  // namespace latencyd::bench
