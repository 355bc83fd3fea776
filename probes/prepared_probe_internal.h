// What PreparedProbe compiles once so that starting a probe costs only a few setopt calls.
// Private to probes/: libcurl objects appear only as opaque pointers.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "probes/http1_target.h"
#include "probes/probe_engine.h"

namespace latencyd::probes {

// Initializes libcurl once per process, before any thread uses it.
void EnsureCurlGlobalInit();

// "scheme://host:port" of an absolute http(s) URL, in lower case with the default port
// filled in; "" when libcurl cannot parse it.
std::string OriginOf(const char* url);

struct PreparedProbe::Compiled {
  std::optional<std::regex> body_regex;
  std::shared_ptr<void> header_list;  // curl_slist*: request headers plus "Expect:"
  // curl_slist*: what a redirect to another origin gets instead: "Expect:" only, none of the
  // configured headers (they may carry secrets; libcurl itself strips only Authorization and
  // Cookie).
  std::shared_ptr<void> foreign_header_list;
  // "scheme://host:port" of `url` (lower case, default port filled in): redirects to any
  // other origin get neither the configured headers nor the body. Empty when unparsable.
  std::string origin;
  std::shared_ptr<void> connect_to;  // curl_slist*: set when tls.server_name rewrites the URL
  std::string url;                   // the spec's URL, host replaced by tls.server_name if set
  // CURLU*: `url` parsed once and handed to libcurl with CURLOPT_CURLU, which copies it per
  // transfer instead of parsing the string again (about 10 µs per probe); null when libcurl
  // cannot parse it, and then CURLOPT_URL lets libcurl report why.
  std::shared_ptr<void> parsed_url;
  long timeout_ms = 1000;   // the total deadline, rounded up to whole milliseconds
  bool ip_literal = false;  // the URL's host is an IP address: no DNS phase
  // The configured Accept-Encoding, handed to libcurl so it also decodes the body; nullopt
  // asks for no encoding, like a plain client, so a server's compression time is not
  // measured unless the user's real clients ask for it.
  std::optional<std::string> accept_encoding;
  // Set when latencyd's own plain-HTTP client can run this probe (http1_target.h): it does,
  // unless the target has answered with a redirect to follow, which libcurl runs from then on.
  std::shared_ptr<const Http1Target> http1;
  mutable std::atomic<bool> http1_redirected{false};
};

}  // namespace latencyd::probes
