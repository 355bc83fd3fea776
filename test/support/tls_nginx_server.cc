// TlsNginxServer: nginx started on an inherited listening socket.
#include "test/support/tls_nginx_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace latencyd::testing {
namespace {

constexpr char kNginx[] = "/usr/sbin/nginx";

int ListenOnLoopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // no CLOEXEC: nginx inherits it
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 511) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

std::string Config(const std::string& dir, int port, const std::string& chain,
                   const std::string& key) {
  std::string c;
  if (::geteuid() == 0) c += "user root;\n";  // workers must read the key in a private dir
  c += "daemon off;\nmaster_process on;\nworker_processes 1;\npid " + dir +
       "/nginx.pid;\nerror_log " + dir + "/nginx-error.log warn;\nevents {}\nhttp {\n" +
       "  access_log off;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    c += std::string("  ") + temp + "_temp_path " + dir + ";\n";
  }
  c +=
      "  server {\n    listen 127.0.0.1:" + std::to_string(port) + " ssl http2;\n" +
      "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_certificate " + chain +
      ";\n    ssl_certificate_key " + key + ";\n" +
      "    location / { return 200 \"protocol=$server_protocol reused=$ssl_session_reused\\n\"; }\n"
      "  }\n}\n";
  return c;
}

}  // namespace

bool TlsNginxServer::Available() { return ::access(kNginx, X_OK) == 0; }

TlsNginxServer::TlsNginxServer(const std::string& dir, const std::string& chain_file,
                               const std::string& key_file) {
  const int fd = ListenOnLoopback(&port_);
  const std::string conf = dir + "/nginx.conf";
  std::ofstream(conf) << Config(dir, port_, chain_file, key_file);
  // Built before fork: the child may only make async-signal-safe calls (another thread may
  // have held the allocator's lock at fork).
  std::vector<std::string> env = {"NGINX=" + std::to_string(fd) + ";"};
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "NGINX=", 6) != 0) env.emplace_back(*entry);
  }
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string args[] = {kNginx, "-p", dir, "-c", conf};
  char* argv[] = {args[0].data(), args[1].data(), args[2].data(),
                  args[3].data(), args[4].data(), nullptr};
  pid_ = ::fork();
  if (pid_ == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execve(kNginx, argv, envp.data());
    ::_exit(127);
  }
  ::close(fd);  // nginx holds it now; queued connections wait for its worker
  if (pid_ < 0) throw std::runtime_error("fork failed");
  // A config error makes nginx exit at once; give it a moment to show one.
  for (int i = 0; i < 20; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited; see " + dir + "/nginx-error.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TlsNginxServer::~TlsNginxServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string TlsNginxServer::Url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace latencyd::testing
