// Typed readers over YamlNode: scalars, durations, sizes, quantiles, status codes.
#include "config/decode.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "config/read_file.h"
#include "config/units.h"

namespace latencyd::config {

using Kind = YamlNode::Kind;

void Diagnostics::Error(const YamlNode& at, std::string message) {
  Error(at.line, at.column, at.path, std::move(message));
}

void Diagnostics::Error(int line, int column, std::string key_path, std::string message) {
  list_.push_back({file_, line, column, std::move(key_path), std::move(message)});
}

void Diagnostics::Append(std::vector<Diagnostic> more) {
  for (Diagnostic& d : more) list_.push_back(std::move(d));
}

std::vector<Diagnostic> Diagnostics::TakeSorted() {
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(list_);
}

bool ExpectKind(const YamlNode& node, Kind kind, std::string_view what, Diagnostics& diags) {
  if (node.kind == kind) return true;
  if (node.kind != Kind::kInvalid) {
    diags.Error(node, "expected " + std::string(what) + ", got " + KindName(node.kind));
  }
  return false;
}

void CheckKeys(const YamlNode& map, const std::vector<std::string_view>& known,
               Diagnostics& diags) {
  for (const auto& [key, value] : map.entries) {
    if (std::find(known.begin(), known.end(), key.value) != known.end()) continue;
    std::vector<std::string_view> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    std::string list;
    for (std::string_view k : sorted) list += (list.empty() ? "" : ", ") + std::string(k);
    diags.Error(key, "unknown key \"" + key.value + "\" (known: " + list + ")");
  }
}

std::optional<std::string> ReadString(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a string", diags)) return std::nullopt;
  return node.value;
}

std::optional<Duration> ReadDuration(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a duration", diags)) return std::nullopt;
  if (auto d = ParseDuration(node.value)) return d;
  diags.Error(node, "invalid duration \"" + node.value + "\" (examples: 250us, 5ms, 1s, 1m30s)");
  return std::nullopt;
}

std::optional<std::uint64_t> ReadSize(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a size", diags)) return std::nullopt;
  if (auto s = ParseSize(node.value)) return s;
  diags.Error(node, "invalid size \"" + node.value + "\" (examples: 512, 64KiB, 1MiB, 1MB)");
  return std::nullopt;
}

std::optional<bool> ReadBool(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a boolean", diags)) return std::nullopt;
  // YAML 1.2 booleans only: "yes"/"on" mean true in YAML 1.1 and surprise people.
  if (node.plain) {
    const std::string& v = node.value;
    if (v == "true" || v == "True" || v == "TRUE") return true;
    if (v == "false" || v == "False" || v == "FALSE") return false;
  }
  diags.Error(node, "invalid boolean \"" + node.value + "\" (use true or false)");
  return std::nullopt;
}

namespace {

std::optional<long long> ParseInt(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<long long> ReadInt(const YamlNode& node, long long min, long long max,
                                 Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "an integer", diags)) return std::nullopt;
  auto value = ParseInt(node.value);
  if (!value) {
    diags.Error(node, "invalid integer \"" + node.value + "\"");
  } else if (*value < min || *value > max) {
    diags.Error(node, "value " + node.value + " is outside [" + std::to_string(min) + ", " +
                          std::to_string(max) + "]");
    value.reset();
  }
  return value;
}

std::string FormatNumber(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::optional<double> ReadNumber(const YamlNode& node, double min, double max, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a number", diags)) return std::nullopt;
  auto value = ParseNumber(node.value);
  if (!value) {
    diags.Error(node, "invalid number \"" + node.value + "\"");
  } else if (!(*value >= min && *value <= max)) {
    diags.Error(node, "value " + node.value + " is outside [" + FormatNumber(min) + ", " +
                          FormatNumber(max) + "]");
    value.reset();
  }
  return value;
}

std::optional<double> ReadQuantile(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a number", diags)) return std::nullopt;
  auto value = ParseNumber(node.value);
  if (!value) {
    diags.Error(node, "invalid number \"" + node.value + "\"");
  } else if (*value <= 0 || *value >= 1) {
    diags.Error(node, "quantile " + node.value + " is outside (0, 1)");
    value.reset();
  }
  return value;
}

std::optional<std::vector<double>> ReadQuantiles(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kSequence, "a list of quantiles", diags)) return std::nullopt;
  std::vector<double> out;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    auto q = ReadQuantile(item, diags);
    if (q) out.push_back(*q);
    ok = ok && q.has_value();
  }
  if (!ok) return std::nullopt;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

std::optional<StatusRange> ReadOneStatus(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kScalar, "a status code", diags)) return std::nullopt;
  auto range = ParseStatusRange(node.value);
  if (!range) {
    diags.Error(node, "invalid status \"" + node.value +
                          "\" (expected a code 100-599 such as 200, a class such as 2xx, "
                          "or a range such as 200-204)");
  }
  return range;
}

}  // namespace

std::optional<std::vector<StatusRange>> ReadStatus(const YamlNode& node, Diagnostics& diags) {
  if (node.kind == Kind::kScalar) {
    auto one = ReadOneStatus(node, diags);
    if (!one) return std::nullopt;
    return std::vector<StatusRange>{*one};
  }
  if (!ExpectKind(node, Kind::kSequence, "a status code or a list of them", diags)) {
    return std::nullopt;
  }
  std::vector<StatusRange> out;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    auto one = ReadOneStatus(item, diags);
    if (one) out.push_back(*one);
    ok = ok && one.has_value();
  }
  if (!ok) return std::nullopt;
  if (out.empty()) {
    diags.Error(node, "expected at least one status");
    return std::nullopt;
  }
  return out;
}

YamlNode ParseDocument(const std::string& text, Diagnostics& diags) {
  CheckConfigTextSize(text, diags.file());
  YamlParseResult tree = ParseYamlTree(text, diags.file());
  diags.Append(std::move(tree.diagnostics));
  if (tree.fatal) throw ConfigError(diags.TakeSorted());
  return std::move(tree.root);
}

}  // namespace latencyd::config
