// Readers for the three top-level sections of a config file: defaults, classes, endpoints.
// Private to config/.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "config/decode.h"
#include "config/yaml_tree.h"

namespace latencyd::config {

// The keys of `defaults`, which endpoints may also set.
extern const std::vector<std::string_view> kInheritableKeys;

// Where the timing settings of one scope were written; nullptr when inherited or invalid.
struct TimingNodes {
  const YamlNode* interval = nullptr;
  const YamlNode* timeout = nullptr;
  const YamlNode* window = nullptr;
};

// Reads the inheritable keys present in `map` over `settings` (which holds what is
// inherited); other keys are left to the caller.
TimingNodes ReadInheritable(const YamlNode& map, Defaults* settings, Diagnostics& diags);

// interval >= 1ms, 0 < timeout <= interval, window >= interval; reported at the setting
// this scope wrote, so a rule broken only by inherited values is reported where they are.
void CheckTiming(const Defaults& settings, const TimingNodes& nodes, Diagnostics& diags);

// Reads `bearer_token_file` and `basic_auth` of `map` (defaults or an endpoint) over
// `credentials`: either one replaces what was inherited; both in one map is an error.
// Secret files are read now (secret_file.h).
void ReadCredentials(const YamlNode& map, Credentials* credentials, Diagnostics& diags);

// Reads an endpoint's `headers`: each value a string or `{file: PATH}` (read now). An
// `Authorization` header next to credentials is an error: which one would be sent?
void ReadHeaders(const YamlNode& node, Endpoint* ep, Diagnostics& diags);

void ReadDefaults(const YamlNode& node, Defaults* defaults, Diagnostics& diags);

// `classes` starts with the built-in classes; file entries replace or add.
void ReadClasses(const YamlNode& node, std::map<std::string, ClassConfig>* classes,
                 Diagnostics& diags);

// The medians of a pytest-benchmark file, by benchmark name and by fullname.
struct BenchmarkMedians {
  bool loaded = false;
  bool failed = false;  // the named file was reported unusable: names are not checked again
  std::string path;
  std::map<std::string, Duration> by_name;
};

// Reads the top-level `baseline` section and loads the benchmark file it names (a relative
// path is resolved against the directory of `file_name`).
void ReadBaseline(const YamlNode& node, const std::string& file_name, BaselineConfig* baseline,
                  BenchmarkMedians* medians, Diagnostics& diags);

// Resolves an endpoint's `baseline` (a benchmark name or a literal duration).
void ReadEndpointBaseline(const YamlNode& node, const BenchmarkMedians& medians, Endpoint* ep,
                          Diagnostics& diags);

// Where each endpoint name was first seen, across the config file and its endpoint files.
struct SeenNames {
  struct Place {
    std::string file;
    int line = 0;
  };
  std::unordered_map<std::string, Place> first;
};

// Appends the endpoints of the list `node` (of the file diags.file()) to config->endpoints.
// Needs the finished defaults and classes of `config`.
void ReadEndpoints(const YamlNode& node, const BenchmarkMedians& medians, SeenNames* seen,
                   Config* config, Diagnostics& diags);

// Expands the `endpoint_files` globs and reads every matched file, a YAML list of endpoints.
// Problems of the config file go to `diags`, those of each endpoint file to `file_diagnostics`
// (sorted per file, files in order).
void ReadEndpointFiles(const YamlNode& node, const BenchmarkMedians& medians, SeenNames* seen,
                       Config* config, Diagnostics& diags,
                       std::vector<Diagnostic>* file_diagnostics);

}  // namespace latencyd::config
