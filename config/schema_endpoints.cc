// The `endpoints` section: one probe target each, inheriting from `defaults`.
#include <algorithm>
#include <regex>
#include <unordered_map>

#include "config/checks.h"
#include "config/schema.h"
#include "config/secret_file.h"

namespace latencyd::config {

using Kind = YamlNode::Kind;

namespace {

const std::vector<std::string_view> kEndpointKeys = {"name",         "url",
                                                     "class",        "method",
                                                     "headers",      "body",
                                                     "expect",       "interval",
                                                     "timeout",      "window",
                                                     "quantiles",    "keepalive",
                                                     "max_body",     "max_redirects",
                                                     "labels",       "tls",
                                                     "baseline",     "allow_insecure_redirect",
                                                     "http_version", "bearer_token_file",
                                                     "basic_auth"};

constexpr std::string_view kMethods[] = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                         "PATCH",  "POST", "PUT"};

// Reads a string key; with `check`, a syntax rule whose message is reported at the value.
const YamlNode* ReadStringKey(const YamlNode& map, const char* key, std::string* out,
                              Diagnostics& diags,
                              std::optional<std::string> (*check)(std::string_view) = nullptr) {
  const YamlNode* node = map.Find(key);
  if (node == nullptr) return nullptr;
  auto value = ReadString(*node, diags);
  if (!value) return nullptr;
  if (check != nullptr) {
    if (auto problem = check(*value)) {
      diags.Error(*node, *problem);
      return nullptr;
    }
  }
  *out = *value;
  return node;
}

void ReadMethod(const YamlNode& map, Endpoint* ep, Diagnostics& diags) {
  std::string method;
  const YamlNode* node = ReadStringKey(map, "method", &method, diags);
  if (node == nullptr) return;
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    diags.Error(*node, "unknown method \"" + method +
                           "\" (known: DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT)");
    return;
  }
  ep->method = method;
}

// Reads a string-to-string map whose keys obey `check_key`, keeping file order. (Headers,
// whose values may also come from files, have their own reader: ReadHeaders.)
std::vector<std::pair<std::string, std::string>> ReadStringMap(
    const YamlNode& node, std::optional<std::string> (*check_key)(std::string_view),
    Diagnostics& diags) {
  std::vector<std::pair<std::string, std::string>> out;
  if (node.kind == Kind::kNull) return out;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return out;
  for (const auto& [key, value] : node.entries) {
    if (auto problem = check_key(key.value)) {
      diags.Error(key, *problem);
      continue;
    }
    auto text = ReadString(value, diags);
    if (text) out.emplace_back(key.value, *text);
  }
  return out;
}

void ReadExpect(const YamlNode& node, Expect* expect, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(node, {"status", "body_regex"}, diags);
  if (const YamlNode* status = node.Find("status")) {
    if (auto ranges = ReadStatus(*status, diags)) expect->status = *ranges;
  }
  if (const YamlNode* regex = node.Find("body_regex")) {
    auto text = ReadString(*regex, diags);
    if (!text) return;
    try {
      std::regex compiled(*text, std::regex::ECMAScript);
      expect->body_regex = *text;
    } catch (const std::regex_error& e) {
      diags.Error(*regex, "invalid regular expression \"" + *text + "\": " + e.what());
    }
  }
}

// A file libcurl reads at probe time; "${CREDENTIALS_DIRECTORY}/" is expanded now, so a
// client key can be a systemd credential.
const YamlNode* ReadTlsPath(const YamlNode& map, const char* key, std::string* out,
                            Diagnostics& diags) {
  const YamlNode* node = ReadStringKey(map, key, out, diags);
  if (node == nullptr) return nullptr;
  std::string problem;
  auto expanded = ExpandCredentialsDirectory(*out, &problem);
  if (!expanded) {
    diags.Error(*node, problem);
    return node;  // written, so cert_file/key_file pairing is still judged
  }
  *out = *expanded;
  return node;
}

void ReadTls(const YamlNode& node, TlsConfig* tls, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(
      node,
      {"insecure_skip_verify", "ca_file", "cert_file", "key_file", "server_name", "session_reuse"},
      diags);
  if (const YamlNode* skip = node.Find("insecure_skip_verify")) {
    if (auto b = ReadBool(*skip, diags)) tls->insecure_skip_verify = *b;
  }
  if (const YamlNode* reuse = node.Find("session_reuse")) {
    if (auto b = ReadBool(*reuse, diags)) tls->session_reuse = *b;
  }
  ReadTlsPath(node, "ca_file", &tls->ca_file, diags);
  const YamlNode* cert = ReadTlsPath(node, "cert_file", &tls->cert_file, diags);
  const YamlNode* key = ReadTlsPath(node, "key_file", &tls->key_file, diags);
  ReadStringKey(node, "server_name", &tls->server_name, diags);
  // A client certificate is useless without its key and vice versa.
  if ((cert == nullptr) != (key == nullptr)) {
    const YamlNode& at = cert != nullptr ? *cert : *key;
    diags.Error(at, "cert_file and key_file must be set together");
  }
}

// HTTP/2 is only spoken over TLS (ALPN); h2c, HTTP/2 over plain http, is not supported.
void CheckHttpVersionFitsUrl(const YamlNode& map, const Endpoint& ep, Diagnostics& diags) {
  if (ep.http_version != HttpVersion::k2 || ep.url.rfind("http://", 0) != 0) return;
  const YamlNode* at = map.Find("http_version");
  if (at == nullptr) at = map.Find("url");
  if (at == nullptr) return;
  diags.Error(*at,
              "http_version \"2\" needs an https:// URL (HTTP/2 over plain http, h2c, is "
              "not supported)");
}

// Reads a required string; reports it missing at the endpoint's start.
const YamlNode* ReadRequired(const YamlNode& map, const char* key, std::string* out,
                             Diagnostics& diags,
                             std::optional<std::string> (*check)(std::string_view) = nullptr) {
  if (map.Find(key) == nullptr) {
    diags.Error(map, std::string("missing required key \"") + key + "\"");
    return nullptr;
  }
  return ReadStringKey(map, key, out, diags, check);
}

void ReadClassRef(const YamlNode& map, const Config& config, Endpoint* ep, Diagnostics& diags) {
  const YamlNode* node = ReadRequired(map, "class", &ep->class_name, diags);
  if (node == nullptr || config.classes.count(ep->class_name) != 0) return;
  std::string known;
  for (const auto& [name, cls] : config.classes) known += (known.empty() ? "" : ", ") + name;
  diags.Error(*node, "unknown class \"" + ep->class_name + "\" (known: " + known + ")");
  ep->class_name.clear();
}

void ReadEndpoint(const YamlNode& map, const Config& config, const BenchmarkMedians& medians,
                  Endpoint* ep, Diagnostics& diags) {
  ep->line = map.line;
  CheckKeys(map, kEndpointKeys, diags);
  ReadRequired(map, "name", &ep->name, diags, CheckEndpointName);
  ReadRequired(map, "url", &ep->url, diags, CheckUrl);
  ReadClassRef(map, config, ep, diags);
  ReadMethod(map, ep, diags);
  // Credentials first: an Authorization header next to them is an error.
  ep->credentials = config.defaults.credentials;
  ReadCredentials(map, &ep->credentials, diags);
  if (const YamlNode* headers = map.Find("headers")) ReadHeaders(*headers, ep, diags);
  ReadStringKey(map, "body", &ep->body, diags);
  if (const YamlNode* expect = map.Find("expect")) ReadExpect(*expect, &ep->expect, diags);
  if (const YamlNode* labels = map.Find("labels")) {
    for (auto& [k, v] : ReadStringMap(*labels, CheckLabelName, diags)) ep->labels[k] = v;
  }
  ep->tls.session_reuse = config.defaults.tls_session_reuse;
  if (const YamlNode* tls = map.Find("tls")) ReadTls(*tls, &ep->tls, diags);
  if (const YamlNode* baseline = map.Find("baseline")) {
    ReadEndpointBaseline(*baseline, medians, ep, diags);
  }

  Defaults settings = config.defaults;
  CheckTiming(settings, ReadInheritable(map, &settings, diags), diags);
  ep->interval = settings.interval;
  ep->timeout =
      settings.timeout_written ? settings.timeout : std::min(settings.timeout, settings.interval);
  ep->window = settings.window;
  ep->keepalive = settings.keepalive;
  ep->max_body = settings.max_body;
  ep->max_redirects = settings.max_redirects;
  ep->allow_insecure_redirect = settings.allow_insecure_redirect;
  ep->http_version = settings.http_version;
  CheckHttpVersionFitsUrl(map, *ep, diags);
  ep->quantiles = settings.quantiles;
  // The judged quantile is always exported, so the threshold has a series to compare with.
  if (!ep->class_name.empty()) ep->quantiles.push_back(config.ClassOf(*ep).quantile);
  std::sort(ep->quantiles.begin(), ep->quantiles.end());
  ep->quantiles.erase(std::unique(ep->quantiles.begin(), ep->quantiles.end()), ep->quantiles.end());
}

}  // namespace

void ReadEndpoints(const YamlNode& node, const BenchmarkMedians& medians, SeenNames* seen,
                   Config* config, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kSequence, "a list", diags)) return;
  for (const YamlNode& item : node.items) {
    if (!ExpectKind(item, Kind::kMap, "a map", diags)) continue;
    Endpoint ep;
    ep.file = diags.file();
    ReadEndpoint(item, *config, medians, &ep, diags);
    if (!ep.name.empty()) {
      const YamlNode* name_node = item.Find("name");
      auto [it, inserted] =
          seen->first.emplace(ep.name, SeenNames::Place{ep.file, name_node->line});
      if (!inserted) {
        const SeenNames::Place& first = it->second;
        std::string where = first.file == ep.file ? "line " + std::to_string(first.line)
                                                  : first.file + ":" + std::to_string(first.line);
        diags.Error(*name_node,
                    "duplicate endpoint name \"" + ep.name + "\" (first at " + where + ")");
      }
    }
    config->endpoints.push_back(std::move(ep));
  }
}

}  // namespace latencyd::config
