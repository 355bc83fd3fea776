// The hook libcurl calls with each new connection's SSL_CTX (CURLOPT_SSL_CTX_FUNCTION): it
// installs the shared trust store (trust_store.h) and records what the handshake revealed
// (TLS version, resumption, certificate expiry). Private to probes/.
#pragma once

#include <chrono>
#include <cmath>
#include <memory>
#include <string>

namespace latencyd::probes {

// What one TLS handshake revealed. Written by OpenSSL's info callback on the probe loop's
// thread while the handshake completes, read there by Transfer::Finish; not thread-safe.
struct TlsFacts {
  bool handshake_done = false;
  std::string version;  // "TLSv1.3", ...
  bool session_reused = false;
  double earliest_not_after_unix = std::nan("");  // over the chain the server presented
};

// What the hook needs from the transfer whose connection is being set up.
struct TlsHookRequest {
  bool verify = true;   // false with insecure_skip_verify: no trust store is installed
  std::string ca_file;  // "" = libcurl's default CA file and path
  // Created by the hook for each new connection, and kept alive by that connection's
  // SSL_CTX too (a kept-alive connection may outlive the transfer).
  std::shared_ptr<TlsFacts> facts;
  std::string error;  // why the trust store could not be installed
  // When libcurl last began a handshake: TCP was connected by then (see CurlTimes).
  std::chrono::steady_clock::time_point tls_started{};
};

// Signature of CURLOPT_SSL_CTX_FUNCTION with `user` a TlsHookRequest*; returns a CURLcode.
int TlsContextHook(void* curl, void* ssl_ctx, void* user);

}  // namespace latencyd::probes
