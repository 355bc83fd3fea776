// BindLoopback, WaitFor and SerialAcceptor: 127.0.0.1 listeners, bounded waits with a stop fd,
// and the one-connection-at-a-time accept loop of the raw test servers.
#include "test/support/loopback_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace latencyd::testing {

// Binds a TCP socket to 127.0.0.1:0; returns the fd and stores the chosen port.
int BindLoopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind(127.0.0.1:0) failed");
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Waits for `fd` to become ready for `events`, or for the wake fd; false on stop or timeout.
bool WaitFor(int fd, short events, int wake_fd, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
  if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) return false;
  return fds[1].revents == 0 && fds[0].revents != 0;
}

SerialAcceptor::SerialAcceptor(const char* name) {
  listen_fd_ = BindLoopback(&port_);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (::listen(listen_fd_, 1024) != 0 || wake_fd_ < 0) {
    ::close(listen_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw std::runtime_error(std::string(name) + ": listen failed");
  }
}

SerialAcceptor::~SerialAcceptor() {
  Stop();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

void SerialAcceptor::Start(std::function<void(int fd)> serve) {
  thread_ = std::thread([this, serve = std::move(serve)] { Run(serve); });
}

void SerialAcceptor::Stop() {
  if (stopping_.exchange(true)) return;
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

void SerialAcceptor::Run(const std::function<void(int fd)>& serve) {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) serve(fd);
  }
}

}  // namespace latencyd::testing
