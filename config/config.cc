// Entry points of the config library: load, parse, and the value semantics of the model.
#include "config/config.h"

#include "config/decode.h"
#include "config/read_file.h"
#include "config/schema.h"
#include "config/yaml_tree.h"

namespace latencyd::config {

namespace {

std::string JoinDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.ToString();
  }
  return out;
}

std::map<std::string, ClassConfig> BuiltinClasses() {
  std::map<std::string, ClassConfig> classes;
  classes["core"] = ClassConfig{"core", std::chrono::milliseconds(5), 0.5, 5};
  classes["async"] = ClassConfig{"async", std::chrono::milliseconds(100), 0.5, 5};
  return classes;
}

}  // namespace

const char* JudgeName(Judge judge) { return judge == Judge::kTtfb ? "ttfb" : "total"; }

const char* HttpVersionName(HttpVersion version) {
  switch (version) {
    case HttpVersion::k2:
      return "2";
    case HttpVersion::kAuto:
      return "auto";
    default:
      return "1.1";
  }
}

bool TlsConfig::operator==(const TlsConfig& other) const {
  return insecure_skip_verify == other.insecure_skip_verify &&
         session_reuse == other.session_reuse && ca_file == other.ca_file &&
         cert_file == other.cert_file && key_file == other.key_file &&
         server_name == other.server_name;
}

bool Expect::operator==(const Expect& other) const {
  return status == other.status && body_regex == other.body_regex;
}

bool Credentials::SameSources(const Credentials& other) const {
  return bearer_token_file == other.bearer_token_file && basic_auth == other.basic_auth &&
         username == other.username && password_file == other.password_file;
}

bool Credentials::SameSecrets(const Credentials& other) const {
  return SameSources(other) && bearer_token == other.bearer_token && password == other.password;
}

namespace {

// The headers with the values read from files blanked: what the config file itself says.
std::vector<std::pair<std::string, std::string>> WrittenHeaders(const Endpoint& endpoint) {
  auto headers = endpoint.headers;
  for (auto& [name, value] : headers) {
    if (endpoint.header_files.count(name) != 0) value.clear();
  }
  return headers;
}

}  // namespace

bool Endpoint::SameProbeSettings(const Endpoint& other) const {
  // Name, class, window, quantiles and labels only change how results are judged and
  // exported, not the samples themselves, so they do not invalidate a window. Nor does the
  // content of a secret file: a rotated token still measures the same request.
  return url == other.url && method == other.method &&
         WrittenHeaders(*this) == WrittenHeaders(other) && header_files == other.header_files &&
         credentials.SameSources(other.credentials) && body == other.body &&
         expect == other.expect && interval == other.interval && timeout == other.timeout &&
         keepalive == other.keepalive && max_body == other.max_body &&
         max_redirects == other.max_redirects &&
         allow_insecure_redirect == other.allow_insecure_redirect &&
         http_version == other.http_version && tls == other.tls;
}

bool Endpoint::SameSecrets(const Endpoint& other) const {
  return headers == other.headers && credentials.SameSecrets(other.credentials);
}

std::string Diagnostic::ToString() const {
  std::string out = file + ":";
  if (line > 0) out += std::to_string(line) + ":" + std::to_string(column) + ":";
  out += " ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(JoinDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

Config ParseConfig(const std::string& text, const std::string& file_name,
                   const LoadOptions& options) {
  Diagnostics diags(file_name, options.read_secret_files);
  const YamlNode root = ParseDocument(text, diags);

  Config config;
  config.source_path = file_name;
  std::vector<Diagnostic> file_diagnostics;  // of endpoint files, after the config's own
  config.classes = BuiltinClasses();
  if (root.kind != YamlNode::Kind::kNull &&
      ExpectKind(root, YamlNode::Kind::kMap, "a map", diags)) {
    CheckKeys(root, {"defaults", "classes", "baseline", "endpoints", "endpoint_files"}, diags);
    // Order matters: endpoints inherit defaults and refer to classes and benchmarks.
    if (const YamlNode* node = root.Find("defaults")) ReadDefaults(*node, &config.defaults, diags);
    if (const YamlNode* node = root.Find("classes")) ReadClasses(*node, &config.classes, diags);
    BenchmarkMedians medians;
    if (const YamlNode* node = root.Find("baseline")) {
      ReadBaseline(*node, file_name, &config.baseline, &medians, diags);
    }
    SeenNames seen;
    if (const YamlNode* node = root.Find("endpoints")) {
      ReadEndpoints(*node, medians, &seen, &config, diags);
    }
    if (const YamlNode* node = root.Find("endpoint_files")) {
      ReadEndpointFiles(*node, medians, &seen, &config, diags, &file_diagnostics);
    }
  }
  std::vector<Diagnostic> all = diags.TakeSorted();
  for (Diagnostic& d : file_diagnostics) all.push_back(std::move(d));
  if (!all.empty()) throw ConfigError(std::move(all));
  for (Endpoint& endpoint : config.endpoints)
    endpoint.baseline_tolerance = config.baseline.tolerance;
  return config;
}

Config LoadConfigFile(const std::string& path, const LoadOptions& options) {
  return ParseConfig(ReadConfigText(path), path, options);
}

}  // namespace latencyd::config
