// CaptureServer: one poll loop, one connection at a time, every request recorded.
#include "test/support/capture_server.h"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "test/support/loopback_socket.h"

namespace latencyd::testing {
namespace {

constexpr auto kPerConnectionBudget = std::chrono::seconds(2);
constexpr std::size_t kMaxRequestBytes = 1 << 20;
constexpr std::size_t kMaxRecorded = 10000;

// Content-Length of a request head, 0 when absent or unreadable.
std::size_t ContentLength(const std::string& head) {
  std::string value = CaptureServer::HeaderValue(head, "Content-Length");
  return static_cast<std::size_t>(std::strtoul(value.c_str(), nullptr, 10));
}

}  // namespace

CaptureServer::CaptureServer(StatusFor status_for)
    : status_for_(std::move(status_for)), acceptor_("CaptureServer") {
  acceptor_.Start([this](int fd) {
    Handle(fd);
    ::close(fd);
  });
}

CaptureServer::~CaptureServer() { acceptor_.Stop(); }

std::string CaptureServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.port()) + path;
}

std::vector<std::string> CaptureServer::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::size_t CaptureServer::RequestCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

bool CaptureServer::WaitForRequest(const std::function<bool(const std::string&)>& matches,
                                   std::chrono::milliseconds deadline) const {
  auto until = std::chrono::steady_clock::now() + deadline;
  do {
    for (const std::string& request : Requests()) {
      if (matches(request)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

std::string CaptureServer::HeaderValue(const std::string& request, const std::string& name) {
  std::size_t head_end = request.find("\r\n\r\n");
  std::size_t line = request.find("\r\n");
  while (line != std::string::npos && line < head_end) {
    std::size_t start = line + 2;
    line = request.find("\r\n", start);
    std::string text = request.substr(start, line - start);
    auto colon = text.find(':');
    if (colon == name.size() && strncasecmp(text.c_str(), name.c_str(), colon) == 0) {
      std::string value = text.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      return value;
    }
  }
  return "";
}

std::string CaptureServer::ReadRequest(int fd) {
  auto deadline = std::chrono::steady_clock::now() + kPerConnectionBudget;
  std::string seen;
  char buf[4096];
  for (;;) {
    std::size_t head_end = seen.find("\r\n\r\n");
    if (head_end != std::string::npos &&
        seen.size() >= head_end + 4 + ContentLength(seen.substr(0, head_end + 2))) {
      return seen;
    }
    if (seen.size() > kMaxRequestBytes || !WaitFor(fd, POLLIN, acceptor_.wake_fd(), deadline))
      return "";
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return "";
    seen.append(buf, static_cast<std::size_t>(n));
  }
}

void CaptureServer::Handle(int fd) {
  std::string request = ReadRequest(fd);
  if (request.empty()) return;
  int status = status_for_ ? status_for_(request) : 200;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (requests_.size() < kMaxRecorded) requests_.push_back(request);
  }
  std::string body = status == 200 ? "ok" : "denied";
  std::string response = "HTTP/1.1 " + std::to_string(status) +
                         " X\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
  auto deadline = std::chrono::steady_clock::now() + kPerConnectionBudget;
  std::size_t sent = 0;
  while (sent < response.size() && WaitFor(fd, POLLOUT, acceptor_.wake_fd(), deadline)) {
    ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace latencyd::testing
