// RawServer and ClosedPort: plain POSIX sockets, one poll loop, a stop eventfd.
#include "test/support/raw_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "test/support/loopback_socket.h"

namespace latencyd::testing {
namespace {

constexpr auto kPerConnectionBudget = std::chrono::seconds(2);
constexpr std::size_t kHugeHeaderBytes = 1u << 20;

}  // namespace

RawServer::RawServer(Behavior behavior) : behavior_(behavior), acceptor_("RawServer") {
  acceptor_.Start([this](int fd) {
    ++connections_;
    Handle(fd);
  });
}

RawServer::~RawServer() {
  acceptor_.Stop();  // before the silent connections it may still be adding to
  for (int fd : silent_fds_) ::close(fd);
}

std::string RawServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.port()) + path;
}

bool RawServer::ReadRequest(int fd) {
  auto deadline = std::chrono::steady_clock::now() + kPerConnectionBudget;
  std::string seen;
  char buf[4096];
  while (seen.find("\r\n\r\n") == std::string::npos) {
    if (!WaitFor(fd, POLLIN, acceptor_.wake_fd(), deadline)) return false;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

void RawServer::WriteAll(int fd, const std::string& data) {
  auto deadline = std::chrono::steady_clock::now() + kPerConnectionBudget;
  std::size_t sent = 0;
  while (sent < data.size()) {
    if (!WaitFor(fd, POLLOUT, acceptor_.wake_fd(), deadline)) return;
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client gave up (it is allowed to)
    sent += static_cast<std::size_t>(n);
  }
}

void RawServer::Handle(int fd) {
  if (behavior_ == Behavior::kSilent) {
    silent_fds_.push_back(fd);
    return;
  }
  bool got_request = ReadRequest(fd);
  switch (behavior_) {
    case Behavior::kResetAfterRequest: {
      linger hard{1, 0};  // close() then sends RST instead of FIN
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      break;
    }
    case Behavior::kCloseWithoutResponse:
      break;
    case Behavior::kGarbage:
      if (got_request) WriteAll(fd, "\x01\x02garbage, not HTTP\xff\xfe\r\n\r\n");
      break;
    case Behavior::kHugeHeaders: {
      if (!got_request) break;
      std::string response = "HTTP/1.1 200 OK\r\n";
      std::string line = "X-Filler: " + std::string(990, 'h') + "\r\n";
      while (response.size() < kHugeHeaderBytes) response += line;
      WriteAll(fd, response + "Content-Length: 2\r\n\r\nok");
      break;
    }
    case Behavior::kHugeHeaderLine:
      if (got_request) {
        WriteAll(fd, "HTTP/1.1 200 OK\r\nX-Filler: " + std::string(kHugeHeaderBytes, 'h') +
                         "\r\nContent-Length: 2\r\n\r\nok");
      }
      break;
    case Behavior::kHugeStatusLine:
      if (got_request) {
        WriteAll(fd, "HTTP/1.1 200 " + std::string(kHugeHeaderBytes, 'O') +
                         "\r\nContent-Length: 2\r\n\r\nok");
      }
      break;
    case Behavior::kTruncatedBody:
      if (got_request) WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
      break;
    case Behavior::kSilent:
      break;
  }
  ::close(fd);
}

int ClosedPort() {
  int port = 0;
  int fd = BindLoopback(&port);
  ::close(fd);
  return port;
}

}  // namespace latencyd::testing
