// Syntax rules for names, labels, URLs and headers.
#include "config/checks.h"

#include <algorithm>
#include <cctype>

#include "daemon/text/redact.h"

namespace latencyd::config {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Labels latencyd itself puts on endpoint series, plus those Prometheus attaches at scrape
// time: an endpoint label with one of these names would clash.
constexpr std::string_view kReservedLabels[] = {"endpoint", "class",  "quantile", "le",
                                                "phase",    "result", "reason",   "job",
                                                "instance", "judge",  "version"};

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is not one.
std::size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;  // bounds of the second byte (RFC 3629, table 3-7 of Unicode)
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

std::string Hex(unsigned char byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0xf];
}

}  // namespace

std::optional<std::string> CheckUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      return "not valid UTF-8 (byte " + Hex(static_cast<unsigned char>(text[i])) + " at offset " +
             std::to_string(i) + ")";
    }
    i += n;
  }
  return std::nullopt;
}

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

// Messages quote the URL redacted: a password or token in it must not reach a log.
std::optional<std::string> CheckUrl(std::string_view url) {
  // Before anything that quotes the URL: its raw bytes must not reach a message.
  if (auto problem = CheckUtf8(url)) {
    return "URL is " + *problem + "; percent-encode raw bytes (e.g. %FF)";
  }
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "invalid URL " + Quote(RedactUrl(url)) + " (expected http://host[:port]/path)";
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
      return "invalid URL " + Quote(RedactUrl(url)) +
             " (contains whitespace or control characters)";
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
    if (close == std::string_view::npos)
      return "invalid URL " + Quote(RedactUrl(url)) + " (unclosed [)";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "invalid URL " + Quote(RedactUrl(url));
      port = authority.substr(close + 2);
      has_port = true;
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return "URL " + Quote(RedactUrl(url)) + " has no host";
  if (has_port) {
    bool ok = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit);
    if (!ok || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return "invalid port in URL " + Quote(RedactUrl(url));
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
