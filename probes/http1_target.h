// What latencyd's own plain-HTTP client needs to run a probe: the address to connect to and
// the request's bytes, built once per PreparedProbe. Only probes that client can run exactly
// as libcurl would get one (CompileHttp1Target says which).
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include "probes/probe.h"

namespace latencyd::probes {

struct Http1Target {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string host;  // the IP literal as in the URL, brackets stripped ("127.0.0.1", "::1")
  int port = 80;
  std::string request;  // request line, headers and body, ready to send
  bool head_request = false;
};

// A target when the probe is plain http to an IP-literal host (no name to resolve), on a fresh
// connection, without Accept-Encoding (no decoding) or anything else only libcurl handles
// (`only_libcurl`: userinfo or an IPv6 zone in the URL); null otherwise, and libcurl runs it.
// `host` is the URL's (IPv6 in brackets), `path_and_query` what libcurl would send.
// The request carries what libcurl's would: Host (without a default port), User-Agent and
// Accept unless the spec sets them, the spec's headers in order ("Name:" for an empty value),
// and for a body Content-Length and, unless set, libcurl's default Content-Type.
std::shared_ptr<const Http1Target> CompileHttp1Target(const ProbeSpec& spec,
                                                      const std::string& scheme,
                                                      const std::string& host, int port,
                                                      const std::string& path_and_query,
                                                      bool only_libcurl);

}  // namespace latencyd::probes
