// A small YAML document tree in which every node keeps its position and key path.
// Private to config/: it is built from yaml-cpp's event API so that duplicate keys,
// anchors, aliases and excessive nesting can be reported where they occur.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace latencyd::config {

struct YamlNode {
  // kInvalid marks a node that already produced a diagnostic (an alias, a subtree nested
  // too deeply): readers skip it silently so one mistake yields one message.
  enum class Kind { kNull, kScalar, kSequence, kMap, kInvalid };

  Kind kind = Kind::kNull;
  int line = 0;                                        // 1-based
  int column = 0;                                      // 1-based
  std::string path;                                    // key path, e.g. endpoints[2].class
  std::string value;                                   // scalars only
  bool plain = false;                                  // scalar was written unquoted and untagged
  std::vector<YamlNode> items;                         // sequences
  std::vector<std::pair<YamlNode, YamlNode>> entries;  // maps, in file order, keys unique

  // The value stored under `key` in a map, or nullptr.
  const YamlNode* Find(const std::string& key) const;
};

// "a map", "a list", "an empty value", "a string": for "expected X, got Y" messages.
const char* KindName(YamlNode::Kind kind);

inline constexpr int kMaxYamlDepth = 32;

struct YamlParseResult {
  YamlNode root;  // kNull for an empty document
  // Structural problems; when `fatal` is set (a syntax error, nesting beyond kMaxYamlDepth)
  // the tree is incomplete and must not be read.
  std::vector<Diagnostic> diagnostics;
  bool fatal = false;
};

// Parses one YAML document. Never throws: syntax errors become diagnostics.
YamlParseResult ParseYamlTree(const std::string& text, const std::string& file_name);

}  // namespace latencyd::config
