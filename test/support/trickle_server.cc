// TrickleServer: an acceptor thread and one thread per connection, plain POSIX sockets.
#include "test/support/trickle_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace latencyd::testing {
namespace {

using Clock = std::chrono::steady_clock;

// True when the peer closed (or broke) the connection; consumes whatever it sent.
bool PeerClosed(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }
}

}  // namespace

TrickleServer::TrickleServer(std::size_t chunk, std::chrono::milliseconds every,
                             std::chrono::seconds max_connection)
    : chunk_(chunk), every_(every), max_connection_(max_connection) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (listen_fd_ < 0 || wake_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw std::runtime_error("TrickleServer: cannot listen on 127.0.0.1:0");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TrickleServer::~TrickleServer() {
  stopping_ = true;
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connections_);
  }
  for (std::thread& t : threads) t.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

std::string TrickleServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::chrono::nanoseconds> TrickleServer::connection_durations() {
  std::lock_guard<std::mutex> lock(mu_);
  return durations_;
}

void TrickleServer::Accept() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const Clock::time_point accepted = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd, accepted] { Serve(fd, accepted); });
  }
}

void TrickleServer::Serve(int fd, Clock::time_point accepted) {
  const Clock::time_point give_up = accepted + max_connection_;
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: 1000000000\r\n\r\n";
  const std::string chunk(chunk_, 'x');
  bool head_sent = false;
  Clock::time_point next_send = Clock::now();
  while (!stopping_ && Clock::now() < give_up) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_send - Clock::now());
    pollfd fds[2] = {{fd, POLLIN | POLLRDHUP, 0}, {wake_fd_, POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (ready < 0 || fds[1].revents != 0) break;
    if (fds[0].revents != 0 && head_sent && PeerClosed(fd)) {
      std::lock_guard<std::mutex> lock(mu_);
      durations_.push_back(Clock::now() - accepted);
      break;
    }
    if (!head_sent) {
      // The request itself is not parsed: the head goes out once the first bytes arrive.
      if (fds[0].revents == 0) continue;
      char buf[4096];
      if (::recv(fd, buf, sizeof(buf), 0) <= 0) break;
      head_sent = ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0;
      next_send = Clock::now() + every_;
      continue;
    }
    if (Clock::now() >= next_send) {
      if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
          errno != EAGAIN) {
        std::lock_guard<std::mutex> lock(mu_);
        durations_.push_back(Clock::now() - accepted);
        break;
      }
      next_send += every_;
    }
  }
  ::close(fd);
}

}  // namespace latencyd::testing
