// PreparedProbe: compiles a ProbeSpec once (regex, header list, URL facts) for repeated runs.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <strings.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "probes/prepared_probe_internal.h"

namespace latencyd::probes {
namespace {

std::regex CompileRegex(const std::string& pattern) {
  constexpr auto kBase = std::regex::ECMAScript | std::regex::optimize;
#if defined(__GLIBCXX__)
  // libstdc++'s default matcher recurses once per input character and can overflow the
  // stack on a 1 MiB body; the polynomial (BFS) matcher does not, but rejects back-references.
  try {
    return std::regex(pattern, kBase | std::regex_constants::__polynomial);
  } catch (const std::regex_error&) {
  }
#endif
  return std::regex(pattern, kBase);
}

std::shared_ptr<void> OwnList(curl_slist* list) {
  return std::shared_ptr<void>(list,
                               [](void* p) { curl_slist_free_all(static_cast<curl_slist*>(p)); });
}

bool IsIpLiteral(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// `url` as a CURLU, parsed with the flags libcurl itself uses for CURLOPT_URL; null on error.
std::shared_ptr<void> ParseUrl(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK) {
    curl_url_cleanup(u);
    return nullptr;
  }
  return std::shared_ptr<void>(u, [](void* p) { curl_url_cleanup(static_cast<CURLU*>(p)); });
}

// Parses the URL; with tls.server_name, rewrites the host (so SNI and certificate checks use
// it) and keeps connecting to the original host via CURLOPT_CONNECT_TO.
void CompileUrl(const ProbeSpec& spec, PreparedProbe::Compiled& c, curl_slist** headers) {
  c.url = spec.url;
  CURLU* u = curl_url();
  if (u == nullptr) return;
  char* host = nullptr;
  char* scheme = nullptr;
  if (curl_url_set(u, CURLUPART_URL, spec.url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
    c.ip_literal = IsIpLiteral(host);
    const std::string& sni = spec.tls.server_name;
    char* rewritten = nullptr;
    if (!sni.empty() && strcasecmp(scheme, "https") == 0 &&
        curl_url_set(u, CURLUPART_HOST, sni.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
      c.url = rewritten;
      c.connect_to = OwnList(curl_slist_append(nullptr, ("::" + std::string(host) + ":").c_str()));
      c.ip_literal = false;
      if (!HasHeader(spec, "Host")) {
        char* port = nullptr;
        std::string value = std::string("Host: ") + host;
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
          value += std::string(":") + port;
        curl_free(port);
        *headers = curl_slist_append(*headers, value.c_str());
      }
    }
    curl_free(rewritten);
  }
  curl_free(host);
  curl_free(scheme);
  curl_url_cleanup(u);
  c.parsed_url = ParseUrl(c.url);
}

// The target of latencyd's own plain-HTTP client, when it can run the probe (http1_target.h).
std::shared_ptr<const Http1Target> CompileHttp1(const ProbeSpec& spec, const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return nullptr;
  std::shared_ptr<const Http1Target> target;
  char *scheme = nullptr, *host = nullptr, *port = nullptr, *path = nullptr, *query = nullptr,
       *user = nullptr, *password = nullptr, *zone = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
    std::string path_and_query = path;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
      path_and_query += std::string("?") + query;
    }
    // Credentials in the URL and IPv6 zones are libcurl's to handle.
    const bool libcurls = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                          curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK ||
                          curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK;
    target = CompileHttp1Target(spec, scheme, host, std::atoi(port), path_and_query, libcurls);
  }
  for (char* part : {scheme, host, port, path, query, user, password, zone}) curl_free(part);
  curl_url_cleanup(u);
  return target;
}

}  // namespace

std::string OriginOf(const char* url) {
  CURLU* u = curl_url();
  if (u == nullptr) return "";
  std::string origin;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    origin = std::string(scheme) + "://" + host + ":" + port;
    for (char& ch : origin) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return origin;
}

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

PreparedProbe::PreparedProbe(ProbeSpec spec)
    : spec_(std::move(spec)), compiled_(std::make_unique<Compiled>()) {
  EnsureCurlGlobalInit();
  Compiled& c = *compiled_;
  if (!spec_.body_regex.empty()) {
    try {
      c.body_regex = CompileRegex(spec_.body_regex);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument("invalid body_regex \"" + spec_.body_regex + "\": " + e.what());
    }
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(spec_.timeout).count();
  c.timeout_ms = ms < 1 ? 1 : static_cast<long>(ms);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : spec_.headers) {
    if (strcasecmp(name.c_str(), "Accept-Encoding") == 0) {
      c.accept_encoding = value;  // libcurl sends it and decodes what comes back
      continue;
    }
    // "Name;" is libcurl's spelling of a header with an empty value.
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    headers = curl_slist_append(headers, line.c_str());
  }
  // libcurl waits up to 1 s for "100 Continue" before sending a large body; that wait would
  // be measured as latency.
  if (!HasHeader(spec_, "Expect")) headers = curl_slist_append(headers, "Expect:");
  CompileUrl(spec_, c, &headers);
  c.header_list = OwnList(headers);
  c.foreign_header_list =
      OwnList(HasHeader(spec_, "Expect") ? nullptr : curl_slist_append(nullptr, "Expect:"));
  c.origin = OriginOf(c.url.c_str());
  c.http1 = CompileHttp1(spec_, c.url);
}

PreparedProbe::~PreparedProbe() = default;

bool PreparedProbe::BodyMatches(const std::string& body) const {
  if (!compiled_->body_regex) return true;
  try {
    return std::regex_search(body, *compiled_->body_regex);
  } catch (const std::regex_error&) {
    return false;  // e.g. error_complexity: treat as not matching rather than throwing
  }
}

}  // namespace latencyd::probes
