// An HTTPS (and HTTP/2) server for tests: nginx on 127.0.0.1, port 0, that answers every
// request with what it saw on the wire: "protocol=HTTP/2.0 reused=r" ($server_protocol and
// $ssl_session_reused: "r" when the TLS session was resumed, "." for a full handshake).
#pragma once

#include <sys/types.h>

#include <string>

namespace latencyd::testing {

// Not thread-safe; stops nginx (by PID) in the destructor. The listening socket is bound
// here on an ephemeral port and handed to nginx (its NGINX environment variable), so the
// server accepts connections as soon as the constructor returns.
class TlsNginxServer {
 public:
  // Whether an nginx binary is installed (tests skip without it).
  static bool Available();
  // Serves `chain_file`/`key_file`; files go into `dir` (must exist). Throws
  // std::runtime_error when nginx cannot be started.
  TlsNginxServer(const std::string& dir, const std::string& chain_file,
                 const std::string& key_file);
  ~TlsNginxServer();
  TlsNginxServer(const TlsNginxServer&) = delete;
  TlsNginxServer& operator=(const TlsNginxServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }               // nginx's master process
  std::string Url(const std::string& path) const;  // https://127.0.0.1:PORT<path>

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace latencyd::testing
