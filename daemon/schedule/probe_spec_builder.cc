#include "daemon/schedule/probe_spec_builder.h"

namespace latencyd {
namespace {

std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

// The Authorization header the credentials stand for; it follows the configured headers
// (the config rejects an Authorization header next to credentials).
void AddAuthorization(const config::Credentials& credentials, probes::ProbeSpec* spec) {
  if (!credentials.bearer_token_file.empty()) {
    spec->headers.emplace_back("Authorization", "Bearer " + credentials.bearer_token);
  } else if (credentials.basic_auth) {
    spec->headers.emplace_back(
        "Authorization", "Basic " + Base64(credentials.username + ":" + credentials.password));
  }
}

}  // namespace

probes::ProbeSpec ToProbeSpec(const config::Endpoint& endpoint) {
  probes::ProbeSpec spec;
  spec.url = endpoint.url;
  spec.method = endpoint.method;
  spec.headers = endpoint.headers;
  AddAuthorization(endpoint.credentials, &spec);
  spec.body = endpoint.body;
  spec.expect_status.clear();
  for (const auto& range : endpoint.expect.status) {
    spec.expect_status.push_back({range.low, range.high});
  }
  if (spec.expect_status.empty()) spec.expect_status.push_back({200, 399});
  spec.body_regex = endpoint.expect.body_regex;
  spec.timeout = endpoint.timeout;
  spec.keepalive = endpoint.keepalive;
  spec.max_body = endpoint.max_body;
  spec.max_redirects = endpoint.max_redirects;
  spec.allow_insecure_redirect = endpoint.allow_insecure_redirect;
  switch (endpoint.http_version) {
    case config::HttpVersion::k1_1:
      spec.http_version = probes::HttpVersion::k1_1;
      break;
    case config::HttpVersion::k2:
      spec.http_version = probes::HttpVersion::k2;
      break;
    case config::HttpVersion::kAuto:
      spec.http_version = probes::HttpVersion::kAuto;
      break;
  }
  spec.tls.session_reuse = endpoint.tls.session_reuse;
  spec.tls.insecure_skip_verify = endpoint.tls.insecure_skip_verify;
  spec.tls.ca_file = endpoint.tls.ca_file;
  spec.tls.cert_file = endpoint.tls.cert_file;
  spec.tls.key_file = endpoint.tls.key_file;
  spec.tls.server_name = endpoint.tls.server_name;
  return spec;
}

}  // namespace latencyd
