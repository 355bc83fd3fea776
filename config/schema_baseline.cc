// The `baseline` section and endpoint baselines: release benchmark medians from a
// pytest-benchmark --benchmark-json file, or literal durations.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <sstream>

#include "config/read_file.h"
#include "config/schema.h"
#include "config/units.h"

namespace latencyd::config {
namespace {

using Kind = YamlNode::Kind;

// Benchmark files carry every round's data with --benchmark-save-data; still bounded.
constexpr std::size_t kMaxBenchmarkFileSize = 16 * 1024 * 1024;
constexpr double kMaxTolerance = 10.0;  // 1000%

// "15%" or "7.5%" -> 0.15, 0.075.
std::optional<double> ParsePercent(const std::string& text) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  std::string number = text.substr(0, text.size() - 1);
  if (number.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  std::istringstream in(number);
  in.imbue(std::locale::classic());
  double value = 0;
  if (!(in >> value) || !in.eof()) return std::nullopt;
  return value / 100.0;
}

// Reads `path` (JSON is YAML) into name -> median; returns an error message on failure.
std::optional<std::string> LoadBenchmarks(const std::string& path, BenchmarkMedians* medians) {
  std::string text;
  if (auto problem = ReadRegularFile(path, kMaxBenchmarkFileSize, &text)) {
    return "\"" + path + "\": " + *problem;
  }
  const std::string not_json =
      "\"" + path + "\" is not pytest-benchmark JSON (expected benchmarks[].stats.median)";
  try {
    YAML::Node root = YAML::Load(text);
    YAML::Node benchmarks = root.IsMap() ? root["benchmarks"] : YAML::Node();
    if (!benchmarks.IsSequence()) return not_json;
    for (const YAML::Node& b : benchmarks) {
      double median = b["stats"]["median"].as<double>();
      if (!std::isfinite(median) || median < 0) return not_json;
      Duration d(static_cast<Duration::rep>(std::llround(median * 1e9)));
      for (const char* key : {"name", "fullname"}) {
        if (b[key] && b[key].IsScalar()) medians->by_name[b[key].as<std::string>()] = d;
      }
    }
  } catch (const YAML::Exception&) {
    return not_json;
  }
  return std::nullopt;
}

}  // namespace

void ReadBaseline(const YamlNode& node, const std::string& file_name, BaselineConfig* baseline,
                  BenchmarkMedians* medians, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(node, {"pytest_benchmark", "tolerance"}, diags);
  if (const YamlNode* tolerance = node.Find("tolerance")) {
    if (auto text = ReadString(*tolerance, diags)) {
      auto value = ParsePercent(*text);
      if (!value || *value > kMaxTolerance) {
        diags.Error(*tolerance, "invalid tolerance \"" + *text + "\" (a percentage 0%-1000%)");
      } else {
        baseline->tolerance = *value;
      }
    }
  }
  if (const YamlNode* file = node.Find("pytest_benchmark")) {
    auto path = ReadString(*file, diags);
    if (!path) return;
    baseline->pytest_benchmark = ResolveRelativeTo(file_name, *path);
    if (auto problem = LoadBenchmarks(baseline->pytest_benchmark, medians)) {
      diags.Error(*file, *problem);
      medians->failed = true;
      return;
    }
    medians->loaded = true;
    medians->path = baseline->pytest_benchmark;
  }
}

void ReadEndpointBaseline(const YamlNode& node, const BenchmarkMedians& medians, Endpoint* ep,
                          Diagnostics& diags) {
  auto ref = ReadString(node, diags);
  if (!ref) return;
  if (auto literal = ParseDuration(*ref)) {
    if (*literal <= Duration::zero()) {
      diags.Error(node, "baseline must be positive");
      return;
    }
    ep->baseline = *literal;
  } else if (medians.failed) {
    return;
  } else if (!medians.loaded) {
    diags.Error(node, "baseline \"" + *ref +
                          "\" is not a duration, and no baseline.pytest_benchmark file is set");
    return;
  } else if (auto it = medians.by_name.find(*ref); it != medians.by_name.end()) {
    ep->baseline = it->second;
  } else {
    diags.Error(node, "benchmark \"" + *ref + "\" not found in \"" + medians.path + "\"");
    return;
  }
  ep->baseline_ref = *ref;
}

}  // namespace latencyd::config
