#include "daemon/web/connection_loop.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "daemon/web/request_reader.h"

namespace latencyd {
namespace {

using Clock = std::chrono::steady_clock;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  int result = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                    : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (result != 0) return;
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// What cpp-httplib reads is the request already read and checked, from memory; what it
// writes goes to the connection, bounded by the response deadline.
class CheckedRequestStream : public httplib::Stream {
 public:
  CheckedRequestStream(std::string_view request, ConnectionTransport& transport,
                       Deadline respond_by)
      : request_(request), transport_(transport), respond_by_(respond_by) {}

  bool is_readable() const override { return !request_.empty(); }
  bool is_writable() const override { return Clock::now() < respond_by_; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, request_.size());
    std::copy(request_.begin(), request_.begin() + static_cast<std::ptrdiff_t>(n), ptr);
    request_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    return transport_.WriteAll(ptr, size, respond_by_) ? static_cast<ssize_t>(size) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(transport_.fd(), true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(transport_.fd(), false, ip, port);
  }
  // cpp-httplib 0.11 answers 500 to sockets >= FD_SETSIZE because its own streams use
  // select(); this stream uses poll, so it reports no socket to that check.
  socket_t socket() const override { return -1; }

 private:
  std::string_view request_;
  ConnectionTransport& transport_;
  Deadline respond_by_;
};

}  // namespace

std::string RefusalResponse(int status, const std::string& reason) {
  std::string body = reason + "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

void ServeConnection(ConnectionTransport& transport, const ConnectionLimits& limits,
                     const ProcessRequest& process) {
  Clock::time_point waiting_since = Clock::now();
  if (transport.Handshake(waiting_since + limits.request_timeout)) {
    RequestReader reader(transport, limits.sizes);
    for (std::size_t served = 0; served < limits.max_requests_per_connection; ++served) {
      Deadline complete_by = waiting_since + limits.request_timeout;
      // The first request may take the whole request deadline (it includes the handshake).
      Deadline first_byte = served == 0 ? complete_by : waiting_since + limits.idle_timeout;
      ReadRequestResult read = reader.Next(first_byte, complete_by);
      if (read.outcome == ReadRequestResult::Outcome::kClosed) break;
      if (read.outcome == ReadRequestResult::Outcome::kRefused) {
        std::string answer = RefusalResponse(read.status, read.reason);
        transport.WriteAll(answer.data(), answer.size(), Clock::now() + limits.idle_timeout);
        break;
      }
      bool last = served + 1 == limits.max_requests_per_connection;
      std::string without_range;
      std::string_view request = reader.request();
      if (read.has_range) {
        without_range = StripRangeFields(request);
        request = without_range;
      }
      CheckedRequestStream stream(request, transport, Clock::now() + limits.response_timeout);
      bool connection_closed = false;
      if (!process(stream, last, connection_closed) || connection_closed) break;
      waiting_since = Clock::now();
    }
  }
  transport.Close();
}

}  // namespace latencyd
