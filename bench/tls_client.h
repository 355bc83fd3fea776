// The minimal HTTPS client latencyd's HTTPS probes are compared with: OpenSSL directly, the
// context (trust store included) built once, blocking connect, SSL_connect, one HTTP/1.1 GET,
// read to the end. Without keep-alive every exchange is a new TCP connection and a full
// handshake (no session is ever offered for resumption).
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <string>

namespace latencyd::bench {

// Not thread-safe: one client per thread.
class MinimalTlsClient {
 public:
  // `ca_file`: the trust store (PEM bundle); the server certificate must name `host` (an IPv4
  // literal). Throws std::runtime_error when the context cannot be built.
  MinimalTlsClient(const std::string& ca_file, const std::string& host, int port,
                   const std::string& path, bool keepalive);
  ~MinimalTlsClient();
  MinimalTlsClient(const MinimalTlsClient&) = delete;
  MinimalTlsClient& operator=(const MinimalTlsClient&) = delete;

  // One request, timed from before socket() (or, kept alive, before the write) to after the
  // last body byte; negative on failure (`error` says why).
  double ExchangeSeconds();
  const std::string& error() const { return error_; }

 private:
  bool Connect();
  void Close();

  void* ctx_ = nullptr;  // SSL_CTX*
  void* ssl_ = nullptr;  // SSL* of the open connection, if any
  int fd_ = -1;
  sockaddr_in address_{};
  std::string host_;
  std::string request_;
  bool keepalive_;
  std::string error_;
};

}  // namespace latencyd::bench
