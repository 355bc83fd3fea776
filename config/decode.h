// Typed readers over YamlNode that turn every mistake into a located Diagnostic.
// Private to config/. Each reader returns nullopt after reporting, or silently for a node
// that was already reported (YamlNode::Kind::kInvalid).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_tree.h"

namespace latencyd::config {

// Collects the diagnostics of one file.
class Diagnostics {
 public:
  // `read_secret_files`: whether secret files named in this file are opened (secret_file.h);
  // part of the reading context that travels with the diagnostics of each file.
  explicit Diagnostics(std::string file, bool read_secret_files = true)
      : file_(std::move(file)), read_secret_files_(read_secret_files) {}
  void Error(const YamlNode& at, std::string message);
  void Error(int line, int column, std::string key_path, std::string message);
  void Append(std::vector<Diagnostic> more);
  bool empty() const { return list_.empty(); }
  const std::string& file() const { return file_; }
  bool read_secret_files() const { return read_secret_files_; }
  // Sorted by position (stable), as ConfigError promises.
  std::vector<Diagnostic> TakeSorted();

 private:
  std::string file_;
  bool read_secret_files_ = true;
  std::vector<Diagnostic> list_;
};

// The start of reading any config-like file: checks its size, parses it into a tree, adds
// structural problems to `diags`, and throws ConfigError (with them) when the tree is
// unusable. Returns the root.
YamlNode ParseDocument(const std::string& text, Diagnostics& diags);

// Reports "expected <what>, got <kind>" unless `node` has `kind`; false when it does not.
bool ExpectKind(const YamlNode& node, YamlNode::Kind kind, std::string_view what,
                Diagnostics& diags);

// Reports every key of `map` not in `known` (sorted, listed in the message).
void CheckKeys(const YamlNode& map, const std::vector<std::string_view>& known, Diagnostics& diags);

std::optional<std::string> ReadString(const YamlNode& node, Diagnostics& diags);
std::optional<Duration> ReadDuration(const YamlNode& node, Diagnostics& diags);
std::optional<std::uint64_t> ReadSize(const YamlNode& node, Diagnostics& diags);
std::optional<bool> ReadBool(const YamlNode& node, Diagnostics& diags);
std::optional<long long> ReadInt(const YamlNode& node, long long min, long long max,
                                 Diagnostics& diags);
// A number within [min, max].
std::optional<double> ReadNumber(const YamlNode& node, double min, double max, Diagnostics& diags);
// A number strictly between 0 and 1.
std::optional<double> ReadQuantile(const YamlNode& node, Diagnostics& diags);
// A list of quantiles, returned sorted and without duplicates.
std::optional<std::vector<double>> ReadQuantiles(const YamlNode& node, Diagnostics& diags);
// One status spec ("200", "2xx", "200-204") or a list of them.
std::optional<std::vector<StatusRange>> ReadStatus(const YamlNode& node, Diagnostics& diags);

// Formats a double the shortest way that reads back the same (0.5, 0.99, 0.999).
std::string FormatNumber(double value);

}  // namespace latencyd::config
