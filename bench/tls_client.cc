// MinimalTlsClient: OpenSSL with no library in between.
#include "bench/tls_client.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace latencyd::bench {
namespace {

// The body length of a complete header block, or -1 while the headers are incomplete.
long BodyEnd(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return -1;
  const std::size_t at = response.find("Content-Length:");
  const long length = at == std::string::npos || at > end
                          ? 0
                          : std::strtol(response.c_str() + at + 15, nullptr, 10);
  return static_cast<long>(end + 4) + length;
}

}  // namespace

MinimalTlsClient::MinimalTlsClient(const std::string& ca_file, const std::string& host, int port,
                                   const std::string& path, bool keepalive)
    : host_(host), keepalive_(keepalive) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr || SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    throw std::runtime_error("cannot build the TLS context with " + ca_file);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  ctx_ = ctx;
  address_.sin_family = AF_INET;
  address_.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address_.sin_addr);
  request_ = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
             "\r\nUser-Agent: minimal-tls\r\nAccept: */*\r\n" +
             (keepalive ? "" : "Connection: close\r\n") + "\r\n";
}

MinimalTlsClient::~MinimalTlsClient() {
  Close();
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

bool MinimalTlsClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address_), sizeof(address_)) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as libcurl does
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  ssl_ = ssl;
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host_.c_str());
  SSL_set_fd(ssl, fd_);
  if (SSL_connect(ssl) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    error_ = std::string("SSL_connect: ") + buf;
    return false;
  }
  return true;
}

void MinimalTlsClient::Close() {
  if (ssl_ != nullptr) SSL_free(static_cast<SSL*>(ssl_));
  if (fd_ >= 0) ::close(fd_);
  ssl_ = nullptr;
  fd_ = -1;
}

double MinimalTlsClient::ExchangeSeconds() {
  const auto start = std::chrono::steady_clock::now();
  if (ssl_ == nullptr && !Connect()) {
    Close();
    return -1;
  }
  SSL* ssl = static_cast<SSL*>(ssl_);
  if (SSL_write(ssl, request_.data(), static_cast<int>(request_.size())) <= 0) {
    error_ = "SSL_write failed";
    Close();
    return -1;
  }
  std::string response;
  char buf[16384];
  long end = -1;
  while (end < 0 || static_cast<long>(response.size()) < end) {
    const int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) break;  // the server closed (Connection: close) or failed
    response.append(buf, static_cast<std::size_t>(n));
    end = BodyEnd(response);
  }
  const auto finished = std::chrono::steady_clock::now();
  const bool complete = end >= 0 && static_cast<long>(response.size()) >= end;
  if (!complete) error_ = "incomplete response";
  if (!keepalive_ || !complete) Close();
  if (!complete) return -1;
  return std::chrono::duration<double>(finished - start).count();
}

}  // namespace latencyd::bench
