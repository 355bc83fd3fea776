// `endpoint_files`: endpoint lists kept in separate files (e.g. written by service discovery).
#include <glob.h>

#include "config/read_file.h"
#include "config/schema.h"

namespace latencyd::config {
namespace {

using Kind = YamlNode::Kind;

// Bounds the work one reload can be asked to do.
constexpr std::size_t kMaxEndpointFiles = 1000;

// Files matching `pattern`, sorted; an empty result is not an error (a discovery directory
// may legitimately be empty).
std::vector<std::string> Expand(const std::string& pattern, std::string* error) {
  glob_t matches{};
  int rc = glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  } else if (rc != GLOB_NOMATCH) {
    *error = "cannot expand \"" + pattern + "\"";
  }
  globfree(&matches);
  return paths;
}

// Reads one endpoint file into `config`; its problems go to `out`, sorted.
void ReadOneFile(const std::string& path, const BenchmarkMedians& medians, SeenNames* seen,
                 Config* config, bool read_secret_files, std::vector<Diagnostic>* out) {
  Diagnostics diags(path, read_secret_files);
  try {
    std::string text = ReadConfigText(path);
    YamlParseResult tree = ParseYamlTree(text, path);
    diags.Append(std::move(tree.diagnostics));
    if (!tree.fatal) ReadEndpoints(tree.root, medians, seen, config, diags);
  } catch (const ConfigError& e) {
    diags.Append(e.diagnostics());
  }
  for (Diagnostic& d : diags.TakeSorted()) out->push_back(std::move(d));
}

}  // namespace

void ReadEndpointFiles(const YamlNode& node, const BenchmarkMedians& medians, SeenNames* seen,
                       Config* config, Diagnostics& diags,
                       std::vector<Diagnostic>* file_diagnostics) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kSequence, "a list of file patterns", diags)) return;
  for (const YamlNode& item : node.items) {
    auto pattern = ReadString(item, diags);
    if (!pattern) continue;
    if (pattern->empty()) {
      diags.Error(item, "empty file pattern");
      continue;
    }
    std::string resolved = ResolveRelativeTo(diags.file(), *pattern);
    config->endpoint_files.push_back(resolved);
    std::string error;
    std::vector<std::string> paths = Expand(resolved, &error);
    if (!error.empty()) diags.Error(item, error);
    for (const std::string& path : paths) {
      if (config->endpoint_file_paths.size() >= kMaxEndpointFiles) {
        diags.Error(item, "more than " + std::to_string(kMaxEndpointFiles) + " endpoint files");
        return;
      }
      config->endpoint_file_paths.push_back(path);
      ReadOneFile(path, medians, seen, config, diags.read_secret_files(), file_diagnostics);
    }
  }
}

}  // namespace latencyd::config
