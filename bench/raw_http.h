// The minimal raw-socket HTTP/1.1 client: the floor latencyd is compared with, and the
// scraper of the daemon's /metrics. One fresh TCP connection per request, blocking syscalls,
// no library between the benchmark and the kernel.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace latencyd::bench {

using Nanos = std::chrono::nanoseconds;

// Where to send requests: an IPv4 loopback address and port.
struct HttpTarget {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::string Url() const;
};

struct HttpExchange {
  bool ok = false;  // a complete response arrived
  std::string error;
  int status = 0;
  Nanos connect{};               // socket() until connect() returned
  Nanos ttfb{};                  // request written until the first response byte
  Nanos total{};                 // socket() until the last body byte
  std::uint64_t body_bytes = 0;  // as on the wire (chunk framing included, still compressed)
  std::string body;              // only when asked to keep it (de-chunked, not decompressed)
  std::string content_encoding;  // the Content-Encoding header, "" when absent
};

// Pre-built request for one target, so the timed path does no formatting.
class RawHttpClient {
 public:
  // `connection_close` asks the server to close (used for scrapes; probes close themselves).
  // `extra_headers` are added to the request as they are ("Accept-Encoding: gzip\r\n").
  RawHttpClient(const HttpTarget& target, bool connection_close,
                Nanos timeout = std::chrono::seconds(1), const std::string& extra_headers = "");

  // connect(), write the GET, read until the response is complete (Content-Length, chunked
  // terminator or EOF), close. Timed with steady_clock. Never throws. Without `keep_body`
  // the body is counted, not held, so many concurrent scrapes of a large page stay cheap.
  HttpExchange Get(bool keep_body) const;

 private:
  sockaddr_in address_{};
  std::string request_;
  Nanos timeout_;
};

}  // namespace latencyd::bench
