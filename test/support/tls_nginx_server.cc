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
#include <fstream>
#include <stdexcept>
#include <thread>

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
  const std::string inherited = "NGINX=" + std::to_string(fd) + ";";
  pid_ = ::fork();
  if (pid_ == 0) {
    ::putenv(const_cast<char*>(inherited.c_str()));
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(kNginx, kNginx, "-p", dir.c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
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
