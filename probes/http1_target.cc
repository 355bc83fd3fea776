#include "probes/http1_target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <cstring>

namespace latencyd::probes {
namespace {

// Fills `target`'s address from an IPv4 or IPv6 literal; false for anything else (a name, or
// an IPv6 literal with a zone, which libcurl resolves).
bool ParseAddress(const std::string& host, int port, Http1Target& target) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&target.address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    target.address_length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&target.address);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    target.address_length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string BuildRequest(const ProbeSpec& spec, const std::string& url_host, int port,
                         const std::string& path_and_query) {
  const bool head = spec.method == "HEAD";
  const bool sends_body = !head && (!spec.body.empty() || spec.method == "POST");
  std::string request = spec.method + " " + path_and_query + " HTTP/1.1\r\n";
  if (!HasHeader(spec, "Host")) {
    request += "Host: " + url_host;
    if (port != 80) request += ":" + std::to_string(port);
    request += "\r\n";
  }
  if (!HasHeader(spec, "User-Agent")) request += std::string("User-Agent: ") + kUserAgent + "\r\n";
  if (!HasHeader(spec, "Accept")) request += "Accept: */*\r\n";
  for (const auto& [name, value] : spec.headers) {
    // libcurl sends no Expect for an empty value, and this client never waits for 100
    // Continue: it sends the body with the head.
    if (strcasecmp(name.c_str(), "Expect") == 0) continue;
    request += name + ":" + (value.empty() ? "" : " " + value) + "\r\n";
  }
  if (sends_body) {
    if (!HasHeader(spec, "Content-Length")) {
      request += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
    }
    if (!HasHeader(spec, "Content-Type")) {
      request += "Content-Type: application/x-www-form-urlencoded\r\n";  // libcurl's default
    }
  }
  request += "\r\n";
  if (sends_body) request += spec.body;
  return request;
}

}  // namespace

std::shared_ptr<const Http1Target> CompileHttp1Target(const ProbeSpec& spec,
                                                      const std::string& scheme,
                                                      const std::string& host, int port,
                                                      const std::string& path_and_query,
                                                      bool only_libcurl) {
  if (strcasecmp(scheme.c_str(), "http") != 0 || spec.keepalive || only_libcurl ||
      HasHeader(spec, "Accept-Encoding") || path_and_query.empty() || port <= 0 || port > 65535) {
    return nullptr;
  }
  for (const auto& [name, value] : spec.headers) {
    // A header that would split the request is not ours to send (libcurl refuses it too).
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return nullptr;
    }
  }
  auto target = std::make_shared<Http1Target>();
  std::string literal = host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
  }
  if (!ParseAddress(literal, port, *target)) return nullptr;
  target->host = literal;
  target->port = port;
  target->head_request = spec.method == "HEAD";
  target->request = BuildRequest(spec, host, port, path_and_query);
  return target;
}

}  // namespace latencyd::probes
