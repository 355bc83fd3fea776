// The process-wide cache of TLS trust stores: each distinct CA source (libcurl's default CA
// file and path, or a `tls.ca_file`) is parsed once and shared by every handshake of every
// probe loop until the file changes. Private to probes/: OpenSSL types appear only as void*.
#pragma once

#include <string>

namespace latencyd::probes {

// Why: Debian's libcurl parses its CA bundle again for every handshake (its own CA cache,
// CURLOPT_CA_CACHE_TIMEOUT, is skipped whenever a CApath is set, and Debian sets one), which
// cost ~22 ms of CPU per fresh HTTPS probe with the 145-certificate system bundle.
//
// Thread-safe: any probe loop may call Acquire concurrently; the X509_STOREs handed out are
// shared between threads, which OpenSSL allows (a store locks its own lookups).
class TrustStoreCache {
 public:
  // The one cache of the process (never destroyed, so handshakes during shutdown are safe).
  static TrustStoreCache& Instance();

  // An X509_STORE* with one reference owned by the caller (SSL_CTX_set_cert_store takes it),
  // for `ca_file`, or for libcurl's default CA file and CA path when `ca_file` is empty.
  // Rebuilt when the file's size, modification time or inode changed since it was built (one
  // stat per call). nullptr when the file cannot be read or holds no certificate; `error`
  // then says why.
  void* Acquire(const std::string& ca_file, std::string* error);

  // How many times a store was built (parsed from disk) so far; for tests and benchmarks.
  unsigned long builds() const;

 private:
  TrustStoreCache();
  struct Impl;
  Impl* impl_;  // leaked on purpose with the cache
};

// Installs the shared store for `ca_file` into `ssl_ctx` (an SSL_CTX*); 0 (and `error`) when
// it cannot be built.
int InstallTrustStore(void* ssl_ctx, const std::string& ca_file, std::string* error);

}  // namespace latencyd::probes
