#include "test/support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace latencyd::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

RawConnection::RawConnection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    fd_ = fd;
  } else if (fd >= 0) {
    close(fd);
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(const std::string& bytes, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (std::size_t sent = 0; sent < bytes.size();) {
    pollfd wait{fd_, POLLOUT, 0};
    if (poll(&wait, 1, MillisLeft(deadline)) <= 0) return false;
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawConnection::ReadUntilClosed(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string received = std::move(pending_);
  pending_.clear();
  char buffer[16384];
  for (;;) {
    pollfd wait{fd_, POLLIN, 0};
    if (poll(&wait, 1, MillisLeft(deadline)) <= 0) break;
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

std::optional<std::string> RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buffer[16384];
  for (;;) {
    std::size_t head_end = pending_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t body = 0;
      std::size_t length_at = pending_.find("Content-Length: ");
      if (length_at != std::string::npos && length_at < head_end) {
        body = std::stoul(pending_.substr(length_at + 16));
      }
      if (pending_.size() >= head_end + 4 + body) {
        std::string response = pending_.substr(0, head_end + 4 + body);
        pending_.erase(0, response.size());
        return response;
      }
    }
    pollfd wait{fd_, POLLIN, 0};
    if (poll(&wait, 1, MillisLeft(deadline)) <= 0) return std::nullopt;
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return std::nullopt;
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

bool RawConnection::WaitForClose(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buffer[16384];
  for (;;) {
    pollfd wait{fd_, POLLIN, 0};
    if (poll(&wait, 1, MillisLeft(deadline)) <= 0) return false;
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
  }
}

int StatusOf(const std::string& response) {
  if (response.compare(0, 9, "HTTP/1.1 ") != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

int Get(int port, const std::string& path, std::chrono::milliseconds timeout,
        const std::string& extra_headers) {
  RawConnection connection(port);
  if (!connection.connected()) return 0;
  if (!connection.Send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                           extra_headers + "\r\n",
                       timeout)) {
    return 0;
  }
  return StatusOf(connection.ReadResponse(timeout).value_or(""));
}

}  // namespace latencyd::testing
