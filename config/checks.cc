// Syntax rules for names, labels, URLs and headers.
#include "config/checks.h"

#include <algorithm>
#include <cctype>

namespace latencyd::config {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Labels latencyd itself puts on endpoint series, plus those Prometheus attaches at scrape
// time: an endpoint label with one of these names would clash.
constexpr std::string_view kReservedLabels[] = {
    "endpoint", "class", "quantile", "le", "phase", "result", "reason", "job", "instance"};

}  // namespace

std::optional<std::string> CheckEndpointName(std::string_view name) {
  if (name.size() > kMaxEndpointNameLength) {
    return "endpoint name is longer than " + std::to_string(kMaxEndpointNameLength) + " characters";
  }
  bool ok = !name.empty() && (IsAlpha(name[0]) || IsDigit(name[0]));
  for (char c : name) {
    ok = ok &&
         (IsAlpha(c) || IsDigit(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-');
  }
  if (ok) return std::nullopt;
  return "invalid endpoint name " + Quote(name) + " (must match [A-Za-z0-9][A-Za-z0-9_.:/-]*)";
}

std::optional<std::string> CheckClassName(std::string_view name) {
  bool ok = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || IsDigit(c) || c == '_');
  if (ok) return std::nullopt;
  return "invalid class name " + Quote(name) + " (must match [a-z][a-z0-9_]*)";
}

std::optional<std::string> CheckLabelName(std::string_view name) {
  bool ok = !name.empty() && (IsAlpha(name[0]) || name[0] == '_');
  for (char c : name) ok = ok && (IsAlpha(c) || IsDigit(c) || c == '_');
  if (!ok) {
    return "invalid label name " + Quote(name) + " (must match [a-zA-Z_][a-zA-Z0-9_]*)";
  }
  if (name.substr(0, 2) == "__") {
    return "label name " + Quote(name) + " is reserved (the __ prefix is Prometheus' own)";
  }
  if (std::find(std::begin(kReservedLabels), std::end(kReservedLabels), name) !=
      std::end(kReservedLabels)) {
    return "label name " + Quote(name) + " is reserved (latencyd or Prometheus sets it)";
  }
  return std::nullopt;
}

std::optional<std::string> CheckUrl(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "invalid URL " + Quote(url) + " (expected http://host[:port]/path)";
  }
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") {
    return "unsupported URL scheme " + Quote(url.substr(0, scheme_end)) +
           " (only http and https are probed)";
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return "invalid URL " + Quote(url) + " (contains whitespace or control characters)";
    }
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return "invalid URL " + Quote(url) + " (unclosed [)";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "invalid URL " + Quote(url);
      port = authority.substr(close + 2);
      has_port = true;
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return "URL " + Quote(url) + " has no host";
  if (has_port) {
    bool ok = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit);
    if (!ok || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return "invalid port in URL " + Quote(url);
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckHeaderName(std::string_view name) {
  // RFC 9110 token characters.
  constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  bool ok = !name.empty();
  for (char c : name) {
    ok = ok && (IsAlpha(c) || IsDigit(c) || kTokenPunct.find(c) != std::string_view::npos);
  }
  if (ok) return std::nullopt;
  return "invalid header name " + Quote(name);
}

std::optional<std::string> CheckHeaderValue(std::string_view value) {
  // A line break would let a config smuggle extra headers into the request.
  if (value.find_first_of("\r\n") != std::string_view::npos || value.find('\0') != value.npos) {
    return "header value contains a line break or NUL";
  }
  return std::nullopt;
}

}  // namespace latencyd::config
