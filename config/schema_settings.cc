// The `defaults` and `classes` sections, and the settings endpoints inherit.
#include <algorithm>

#include "config/checks.h"
#include "config/schema.h"
#include "config/units.h"

namespace latencyd::config {

using Kind = YamlNode::Kind;

const std::vector<std::string_view> kInheritableKeys = {
    "interval",     "timeout",           "window",        "quantiles",
    "keepalive",    "max_body",          "max_redirects", "allow_insecure_redirect",
    "http_version", "bearer_token_file", "basic_auth"};

namespace {

constexpr Duration kMinInterval = std::chrono::milliseconds(1);
constexpr std::uint64_t kMaxBody = 1024ULL * 1024 * 1024;
constexpr long long kMaxRedirects = 20;

void ReadHttpVersion(const YamlNode& node, Defaults* settings, Diagnostics& diags) {
  auto text = ReadString(node, diags);
  if (!text) return;
  if (*text == "1.1") {
    settings->http_version = HttpVersion::k1_1;
  } else if (*text == "2") {
    settings->http_version = HttpVersion::k2;
  } else if (*text == "auto") {
    settings->http_version = HttpVersion::kAuto;
  } else {
    diags.Error(node, "http_version must be \"1.1\", \"2\" or \"auto\", got \"" + *text + "\"");
  }
}

// `defaults.tls`: only what every endpoint may sensibly share.
void ReadDefaultTls(const YamlNode& node, Defaults* defaults, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(node, {"session_reuse"}, diags);
  if (const YamlNode* reuse = node.Find("session_reuse")) {
    if (auto b = ReadBool(*reuse, diags)) defaults->tls_session_reuse = *b;
  }
}

const YamlNode* ReadDurationKey(const YamlNode& map, const char* key, Duration* out,
                                Diagnostics& diags) {
  const YamlNode* node = map.Find(key);
  if (node == nullptr) return nullptr;
  auto value = ReadDuration(*node, diags);
  if (!value) return nullptr;
  *out = *value;
  return node;
}

}  // namespace

TimingNodes ReadInheritable(const YamlNode& map, Defaults* settings, Diagnostics& diags) {
  TimingNodes nodes;
  nodes.interval = ReadDurationKey(map, "interval", &settings->interval, diags);
  nodes.timeout = ReadDurationKey(map, "timeout", &settings->timeout, diags);
  if (nodes.timeout != nullptr) settings->timeout_written = true;
  nodes.window = ReadDurationKey(map, "window", &settings->window, diags);
  if (const YamlNode* node = map.Find("quantiles")) {
    if (auto q = ReadQuantiles(*node, diags)) settings->quantiles = *q;
  }
  if (const YamlNode* node = map.Find("keepalive")) {
    if (auto b = ReadBool(*node, diags)) settings->keepalive = *b;
  }
  if (const YamlNode* node = map.Find("max_body")) {
    if (auto size = ReadSize(*node, diags)) {
      if (*size < 1 || *size > kMaxBody) {
        diags.Error(*node, "max_body " + FormatSize(*size) + " is outside [1B, 1GiB]");
      } else {
        settings->max_body = *size;
      }
    }
  }
  if (const YamlNode* node = map.Find("max_redirects")) {
    // The range check makes the narrowing exact.
    if (auto n = ReadInt(*node, 0, kMaxRedirects, diags)) {
      settings->max_redirects = static_cast<int>(*n);
    }
  }
  if (const YamlNode* node = map.Find("allow_insecure_redirect")) {
    if (auto b = ReadBool(*node, diags)) settings->allow_insecure_redirect = *b;
  }
  if (const YamlNode* node = map.Find("http_version")) ReadHttpVersion(*node, settings, diags);
  return nodes;
}

void CheckTiming(const Defaults& s, const TimingNodes& nodes, Diagnostics& diags) {
  if (nodes.interval != nullptr && s.interval < kMinInterval) {
    diags.Error(*nodes.interval,
                "interval " + FormatDuration(s.interval) + " is below the minimum of 1ms");
  }
  if (nodes.timeout != nullptr && s.timeout <= Duration::zero()) {
    diags.Error(*nodes.timeout, "timeout must be positive");
  } else if (const YamlNode* at = nodes.timeout ? nodes.timeout : nodes.interval;
             at != nullptr && s.timeout_written && s.timeout > s.interval) {
    diags.Error(*at, "timeout " + FormatDuration(s.timeout) + " exceeds interval " +
                         FormatDuration(s.interval));
  }
  if (const YamlNode* at = nodes.window ? nodes.window : nodes.interval;
      at != nullptr && s.window < s.interval) {
    diags.Error(*at, "window " + FormatDuration(s.window) + " is shorter than interval " +
                         FormatDuration(s.interval));
  }
}

void ReadDefaults(const YamlNode& node, Defaults* defaults, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  std::vector<std::string_view> keys = kInheritableKeys;
  keys.push_back("tls");
  CheckKeys(node, keys, diags);
  if (const YamlNode* tls = node.Find("tls")) ReadDefaultTls(*tls, defaults, diags);
  ReadCredentials(node, &defaults->credentials, diags);
  TimingNodes nodes = ReadInheritable(node, defaults, diags);
  CheckTiming(*defaults, nodes, diags);
}

namespace {

void ReadClass(const YamlNode& key, const YamlNode& node, ClassConfig* out, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(
      node,
      {"threshold", "quantile", "min_samples", "judge", "detector_level", "timeouts_in_quantiles"},
      diags);
  if (const YamlNode* threshold = node.Find("threshold")) {
    if (auto d = ReadDuration(*threshold, diags)) {
      if (*d <= Duration::zero()) {
        diags.Error(*threshold, "threshold must be positive");
      }
      out->threshold = *d;
    }
  } else {
    diags.Error(node.line, node.column, key.path, "missing required key \"threshold\"");
  }
  if (const YamlNode* quantile = node.Find("quantile")) {
    if (auto q = ReadQuantile(*quantile, diags)) out->quantile = *q;
  }
  if (const YamlNode* min_samples = node.Find("min_samples")) {
    if (auto n = ReadInt(*min_samples, 1, 1000000, diags)) out->min_samples = static_cast<int>(*n);
  }
  if (const YamlNode* judge = node.Find("judge")) {
    if (auto text = ReadString(*judge, diags)) {
      if (*text == "total") {
        out->judge = Judge::kTotal;
      } else if (*text == "ttfb") {
        out->judge = Judge::kTtfb;
      } else {
        diags.Error(*judge, "judge must be \"total\" or \"ttfb\", got \"" + *text + "\"");
      }
    }
  }
  if (const YamlNode* level = node.Find("detector_level")) {
    if (auto h = ReadNumber(*level, 1, 50, diags)) out->detector_level = *h;
  }
  if (const YamlNode* timeouts = node.Find("timeouts_in_quantiles")) {
    if (auto b = ReadBool(*timeouts, diags)) out->timeouts_in_quantiles = *b;
  }
}

}  // namespace

void ReadClasses(const YamlNode& node, std::map<std::string, ClassConfig>* classes,
                 Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  for (const auto& [key, value] : node.entries) {
    if (auto problem = CheckClassName(key.value)) {
      diags.Error(key, *problem);
      continue;
    }
    ClassConfig parsed;
    parsed.name = key.value;
    ReadClass(key, value, &parsed, diags);
    (*classes)[key.value] = parsed;
  }
}

}  // namespace latencyd::config
