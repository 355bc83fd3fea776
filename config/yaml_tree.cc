// Builds YamlNode trees from yaml-cpp parser events.
#include "config/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <deque>
#include <sstream>
#include <unordered_map>

#include "config/checks.h"

namespace latencyd::config {

const YamlNode* YamlNode::Find(const std::string& key) const {
  for (const auto& [k, v] : entries) {
    if (k.value == key) return &v;
  }
  return nullptr;
}

const char* KindName(YamlNode::Kind kind) {
  switch (kind) {
    case YamlNode::Kind::kNull:
      return "an empty value";
    case YamlNode::Kind::kScalar:
      return "a string";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kInvalid:
      break;
  }
  return "an invalid value";
}

namespace {

using Kind = YamlNode::Kind;

bool IsPlainNull(const std::string& tag, const std::string& value) {
  return tag == "?" && (value == "~" || value == "null" || value == "Null" || value == "NULL");
}

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(YamlParseResult* result, std::string file)
      : result_(result), file_(std::move(file)) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) {
      Report(mark.line + 1, mark.column + 1, "", "only one YAML document is allowed");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    YamlNode node = Make(Kind::kNull, mark);
    // An empty map value is reported at its key: yaml-cpp marks it at the next token.
    if (!frames_.empty() && frames_.back().node->kind == Kind::kMap && frames_.back().has_key) {
      node.line = frames_.back().key.line;
      node.column = frames_.back().key.column;
    }
    Add(std::move(node));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (Skipping()) return;
    std::string name = anchor >= 1 && anchor <= anchor_names_.size() ? anchor_names_[anchor - 1]
                                                                     : std::string("?");
    YamlNode node = Make(Kind::kInvalid, mark);
    Report(node.line, node.column, node.path, "aliases are not supported (*" + name + ")");
    Add(std::move(node));
  }

  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    anchor_names_.push_back(name);
    if (Skipping()) return;
    Report(mark.line + 1, mark.column + 1, ChildPath(),
           "anchors are not supported (&" + name + ")");
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t /*anchor*/,
                const std::string& value) override {
    if (IsPlainNull(tag, value)) return OnNull(mark, 0);
    YamlNode node = Make(Kind::kScalar, mark);
    if (auto problem = CheckUtf8(value)) {
      // Keys and values alike: any string may end up in /metrics, the page, the JSON or a
      // log line. Reported once here; readers then skip the node (and a key's value).
      const bool is_key =
          !frames_.empty() && frames_.back().node->kind == Kind::kMap && !frames_.back().has_key;
      Report(node.line, node.column, node.path, (is_key ? "key is " : "value is ") + *problem);
      node.kind = Kind::kInvalid;
      Add(std::move(node));
      return;
    }
    node.value = value;
    node.plain = tag == "?";
    Add(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value) override {
    Open(Kind::kSequence, mark);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value) override {
    Open(Kind::kMap, mark);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    YamlNode* node = nullptr;
    bool has_key = false;  // maps: `key` holds the key awaiting its value
    YamlNode key;
    std::unordered_map<std::string, int> key_lines;  // maps: first line of each key
  };

  // Events of a second document, or inside a subtree cut off for depth, are dropped.
  bool Skipping() const { return documents_ > 1 || skip_depth_ > 0; }

  std::string ChildPath() const {
    if (frames_.empty()) return "";
    const Frame& top = frames_.back();
    if (top.node->kind == Kind::kSequence) {
      return top.node->path + "[" + std::to_string(top.node->items.size()) + "]";
    }
    if (!top.has_key) return top.node->path;  // the key itself; AddKey completes it
    return JoinPath(top.node->path, top.key.value);
  }

  static std::string JoinPath(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

  YamlNode Make(Kind kind, const YAML::Mark& mark) const {
    YamlNode node;
    node.kind = kind;
    node.line = mark.line + 1;
    node.column = mark.column + 1;
    node.path = ChildPath();
    return node;
  }

  void Report(int line, int column, std::string path, std::string message) {
    result_->diagnostics.push_back({file_, line, column, std::move(path), std::move(message)});
  }

  // Places a finished node in its parent and returns where it now lives.
  YamlNode* Add(YamlNode node) {
    if (Skipping()) return nullptr;
    if (frames_.empty()) {
      result_->root = std::move(node);
      return &result_->root;
    }
    Frame& top = frames_.back();
    if (top.node->kind == Kind::kSequence) {
      top.node->items.push_back(std::move(node));
      return &top.node->items.back();
    }
    if (!top.has_key) return AddKey(top, std::move(node));
    top.has_key = false;
    if (top.key.kind == Kind::kInvalid) return &scratch_.emplace_back(std::move(node));
    top.node->entries.emplace_back(std::move(top.key), std::move(node));
    return &top.node->entries.back().second;
  }

  YamlNode* AddKey(Frame& top, YamlNode key) {
    top.has_key = true;
    if (key.kind != Kind::kScalar) {
      // Only null can get here (containers are caught in Open); an alias is already reported.
      if (key.kind != Kind::kInvalid) {
        Report(key.line, key.column, top.node->path, "map keys must be plain strings");
      }
      key.kind = Kind::kInvalid;  // its value is dropped
      top.key = std::move(key);
      return &top.key;
    }
    key.path = JoinPath(top.node->path, key.value);
    auto [it, inserted] = top.key_lines.emplace(key.value, key.line);
    if (!inserted) {
      Report(
          key.line, key.column, key.path,
          "duplicate key \"" + key.value + "\" (first at line " + std::to_string(it->second) + ")");
      key.kind = Kind::kInvalid;  // the later value is dropped
    }
    top.key = std::move(key);
    return &top.key;
  }

  void Open(Kind kind, const YAML::Mark& mark) {
    if (Skipping()) {
      if (documents_ <= 1) ++skip_depth_;
      return;
    }
    if (frames_.size() >= static_cast<std::size_t>(kMaxYamlDepth)) {
      YamlNode node = Make(Kind::kInvalid, mark);
      Report(node.line, node.column, node.path,
             "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
      Add(std::move(node));
      skip_depth_ = 1;
      result_->fatal = true;  // the tree lost a subtree; reading it would add noise
      return;
    }
    if (!frames_.empty() && frames_.back().node->kind == Kind::kMap && !frames_.back().has_key) {
      // A list or map used as a key: say so once and drop the key and its value.
      Report(mark.line + 1, mark.column + 1, frames_.back().node->path,
             "map keys must be plain strings");
      frames_.back().has_key = true;
      frames_.back().key = Make(Kind::kInvalid, mark);
      skip_depth_ = 1;
      return;
    }
    YamlNode* placed = Add(Make(kind, mark));
    frames_.emplace_back().node = placed;
  }

  void Close() {
    if (documents_ > 1) return;
    if (skip_depth_ > 0) {
      --skip_depth_;
      return;
    }
    frames_.pop_back();
  }

  YamlParseResult* result_;
  std::string file_;
  int documents_ = 0;
  int skip_depth_ = 0;
  std::deque<Frame> frames_;      // deque: frames keep their address while others are pushed
  std::deque<YamlNode> scratch_;  // complex keys' subtrees, built then discarded
  std::vector<std::string> anchor_names_;
};

}  // namespace

YamlParseResult ParseYamlTree(const std::string& text, const std::string& file_name) {
  YamlParseResult result;
  std::istringstream in(text);
  TreeBuilder builder(&result, file_name);
  try {
    YAML::Parser parser(in);
    // A second document is parsed only far enough to be reported.
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    int column = e.mark.is_null() ? 0 : e.mark.column + 1;
    result.diagnostics.push_back({file_name, line, column, "", "invalid YAML: " + e.msg});
    result.fatal = true;
  }
  return result;
}

}  // namespace latencyd::config
