#include "daemon/web/connection_transport.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace latencyd {
namespace {

// The drain after our last answer: enough for a client still sending a small body, never
// long enough to be a way of holding a thread.
constexpr std::chrono::milliseconds kDrainTime{200};
constexpr std::size_t kDrainBytes = 256 * 1024;

int MillisecondsUntil(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 60 * 60 * 1000 ? 60 * 60 * 1000 : static_cast<int>(left.count());
}

}  // namespace

ConnectionTransport::ConnectionTransport(int fd, int stop_fd, ssl_ctx_st* tls)
    : fd_(fd), stop_fd_(stop_fd) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  if (tls != nullptr) {
    ssl_ = SSL_new(tls);
    if (ssl_ != nullptr) SSL_set_fd(ssl_, fd_);
  }
}

ConnectionTransport::~ConnectionTransport() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  close(fd_);
}

bool ConnectionTransport::Wait(short events, Deadline deadline) const {
  for (;;) {
    int timeout = MillisecondsUntil(deadline);
    pollfd fds[2] = {{fd_, events, 0}, {stop_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents != 0) return false;
    return true;  // readable, writable, or an error/hangup that the next call reports
  }
}

bool ConnectionTransport::Handshake(Deadline deadline) {
  if (ssl_ == nullptr) return true;
  for (;;) {
    ERR_clear_error();
    int result = SSL_accept(ssl_);
    if (result == 1) return true;
    int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ && Wait(POLLIN, deadline)) continue;
    if (error == SSL_ERROR_WANT_WRITE && Wait(POLLOUT, deadline)) continue;
    return false;
  }
}

ssize_t ConnectionTransport::Read(char* buffer, std::size_t size, Deadline deadline) {
  for (;;) {
    if (ssl_ == nullptr) {
      ssize_t n = recv(fd_, buffer, size, 0);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Wait(POLLIN, deadline)) return -1;
      continue;
    }
    ERR_clear_error();
    int n = SSL_read(ssl_, buffer, static_cast<int>(size > 1 << 30 ? 1 << 30 : size));
    if (n > 0) return n;
    int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    if (error == SSL_ERROR_WANT_READ && Wait(POLLIN, deadline)) continue;
    if (error == SSL_ERROR_WANT_WRITE && Wait(POLLOUT, deadline)) continue;
    return -1;
  }
}

bool ConnectionTransport::WriteAll(const char* data, std::size_t size, Deadline deadline) {
  while (size > 0) {
    std::size_t chunk = size > 1 << 30 ? 1 << 30 : size;
    ssize_t n;
    if (ssl_ == nullptr) {
      n = send(fd_, data, chunk, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
      if (n < 0 && !Wait(POLLOUT, deadline)) return false;
    } else {
      ERR_clear_error();
      n = SSL_write(ssl_, data, static_cast<int>(chunk));
      if (n <= 0) {
        int error = SSL_get_error(ssl_, static_cast<int>(n));
        if (error == SSL_ERROR_WANT_WRITE && Wait(POLLOUT, deadline)) continue;
        if (error == SSL_ERROR_WANT_READ && Wait(POLLIN, deadline)) continue;
        return false;
      }
    }
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    }
  }
  return true;
}

void ConnectionTransport::Close() {
  if (closed_) return;
  closed_ = true;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // one attempt at close_notify; the peer's answer is not awaited
  }
  shutdown(fd_, SHUT_WR);
  Deadline deadline = std::chrono::steady_clock::now() + kDrainTime;
  char buffer[16 * 1024];
  for (std::size_t drained = 0; drained < kDrainBytes;) {
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    if (n > 0) {
      drained += static_cast<std::size_t>(n);
    } else if (!Wait(POLLIN, deadline)) {
      break;
    }
  }
}

}  // namespace latencyd
