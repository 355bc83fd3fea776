// RedactUrl: userinfo passwords and secret-looking query values become "xxxxx".
#include "daemon/text/redact.h"

#include <algorithm>
#include <cctype>

namespace latencyd {
namespace {

constexpr std::string_view kSecretNameParts[] = {"token", "key",        "secret",  "pass",
                                                 "auth",  "credential", "session", "sig"};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "user:password@host:port" -> "user:xxxxx@host:port"; the last '@' ends the userinfo, as
// in libcurl's parser.
std::string RedactAuthority(std::string_view authority) {
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(authority);
  std::string_view userinfo = authority.substr(0, at);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(authority);
  return std::string(userinfo.substr(0, colon + 1)) + std::string(kRedacted) +
         std::string(authority.substr(at));
}

// "a=1&token=t" -> "a=1&token=xxxxx".
std::string RedactQuery(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = std::min(query.find_first_of("&;", start), query.size());
    std::string_view pair = query.substr(start, end - start);
    auto equals = pair.find('=');
    if (equals != std::string_view::npos && IsSecretParameterName(pair.substr(0, equals))) {
      out += std::string(pair.substr(0, equals + 1)) + std::string(kRedacted);
    } else {
      out += std::string(pair);
    }
    if (end == query.size()) break;
    out += query[end];
    start = end + 1;
  }
  return out;
}

}  // namespace

bool IsSecretParameterName(std::string_view name) {
  std::string lower = Lower(name);
  for (std::string_view part : kSecretNameParts) {
    if (lower.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string RedactUrl(std::string_view url) {
  auto scheme_end = url.find("://");
  std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  std::string out(url.substr(0, authority_start));
  out += RedactAuthority(url.substr(authority_start, authority_end - authority_start));
  std::string_view rest = url.substr(authority_end);
  auto question = rest.find('?');
  if (question == std::string_view::npos) return out + std::string(rest);
  auto hash = std::min(rest.find('#', question), rest.size());
  out += std::string(rest.substr(0, question + 1));
  out += RedactQuery(rest.substr(question + 1, hash - question - 1));
  return out + std::string(rest.substr(hash));
}

}  // namespace latencyd
