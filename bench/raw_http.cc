// RawHttpClient: connect, write, read to the end of the response, close.
#include "bench/raw_http.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace latencyd::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ResponseHead {
  bool complete = false;
  std::size_t header_bytes = 0;  // including the blank line
  int status = 0;
  long long content_length = -1;
  bool chunked = false;
  std::string content_encoding;
};

ResponseHead ParseHead(std::string_view data) {
  ResponseHead head;
  std::size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return head;
  head.complete = true;
  head.header_bytes = end + 4;
  std::string_view lines = data.substr(0, end);
  if (lines.size() > 12) head.status = std::atoi(std::string(lines.substr(9, 3)).c_str());
  std::size_t pos = lines.find("\r\n");
  while (pos != std::string_view::npos) {
    std::size_t next = lines.find("\r\n", pos + 2);
    std::string_view line = lines.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      head.content_length = std::atoll(std::string(line.substr(15)).c_str());
    } else if (line.size() > 18 && strncasecmp(line.data(), "transfer-encoding:", 18) == 0) {
      head.chunked = line.find("chunked") != std::string_view::npos;
    } else if (line.size() > 17 && strncasecmp(line.data(), "content-encoding:", 17) == 0) {
      std::string_view value = line.substr(17);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      head.content_encoding = std::string(value);
    }
    pos = next;
  }
  return head;
}

// Decodes a chunked body; false while the terminating zero-size chunk has not arrived.
bool Dechunk(std::string_view raw, std::string* out) {
  out->clear();
  std::size_t pos = 0;
  for (;;) {
    std::size_t line_end = raw.find("\r\n", pos);
    if (line_end == std::string_view::npos) return false;
    std::size_t size =
        std::strtoul(std::string(raw.substr(pos, line_end - pos)).c_str(), nullptr, 16);
    if (size == 0) return true;
    if (line_end + 2 + size + 2 > raw.size()) return false;
    out->append(raw.substr(line_end + 2, size));
    pos = line_end + 2 + size + 2;
  }
}

int Connect(const sockaddr_in& address, Nanos timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  tv.tv_usec = (std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()) % 1000000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as libcurl does
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string HttpTarget::Url() const { return "http://" + host + ":" + std::to_string(port) + path; }

RawHttpClient::RawHttpClient(const HttpTarget& target, bool connection_close, Nanos timeout,
                             const std::string& extra_headers)
    : timeout_(timeout) {
  address_.sin_family = AF_INET;
  address_.sin_port = htons(static_cast<uint16_t>(target.port));
  inet_pton(AF_INET, target.host.c_str(), &address_.sin_addr);
  request_ = "GET " + target.path + " HTTP/1.1\r\nHost: " + target.host + ":" +
             std::to_string(target.port) + "\r\nUser-Agent: latencyd-bench\r\nAccept: */*\r\n";
  if (connection_close) request_ += "Connection: close\r\n";
  request_ += extra_headers + "\r\n";
}

HttpExchange RawHttpClient::Get(bool keep_body) const {
  HttpExchange result;
  const Clock::time_point start = Clock::now();
  int fd = Connect(address_, timeout_);
  const Clock::time_point connected = Clock::now();
  if (fd < 0) {
    result.error = std::string("connect: ") + std::strerror(errno);
    return result;
  }
  result.connect = connected - start;
  if (write(fd, request_.data(), request_.size()) != static_cast<ssize_t>(request_.size())) {
    result.error = "short write";
    close(fd);
    return result;
  }
  std::string data;
  ResponseHead head;
  char buffer[65536];
  bool first = true;
  std::uint64_t dropped = 0;  // body bytes counted and let go (not keep_body)
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0 && first) {
      result.ttfb = Clock::now() - connected;
      first = false;
    }
    if (n <= 0) {
      // EOF ends a response without a length; anything else is an error.
      if (n == 0 && head.complete && head.content_length < 0 && !head.chunked) result.ok = true;
      if (!result.ok) result.error = n == 0 ? "connection closed early" : std::strerror(errno);
      break;
    }
    data.append(buffer, static_cast<std::size_t>(n));
    if (!head.complete) head = ParseHead(data);
    if (!head.complete) continue;
    if (!keep_body && data.size() > head.header_bytes + 16) {
      // Keep the head and the last bytes (the chunked terminator), count the rest.
      const std::size_t drop = data.size() - head.header_bytes - 16;
      data.erase(head.header_bytes, drop);
      dropped += drop;
    }
    const std::size_t body = data.size() - head.header_bytes + dropped;
    if (head.content_length >= 0 && body >= static_cast<std::size_t>(head.content_length)) {
      result.ok = true;
      break;
    }
    if (head.chunked && data.size() >= head.header_bytes + 5 &&
        data.compare(data.size() - 5, 5, "0\r\n\r\n") == 0) {
      result.ok = true;
      break;
    }
  }
  result.total = Clock::now() - start;
  close(fd);
  result.status = head.status;
  result.content_encoding = head.content_encoding;
  std::string_view raw_body = std::string_view(data).substr(head.complete ? head.header_bytes : 0);
  result.body_bytes = raw_body.size() + dropped;
  if (keep_body && head.chunked) {
    Dechunk(raw_body, &result.body);
  } else if (keep_body) {
    result.body = std::string(raw_body);
  }
  return result;
}

}  // namespace latencyd::bench
