// Parsing and validation of the exporter-toolkit web config subset.
#include "config/web_config.h"

#include <cctype>

#include "config/config.h"
#include "config/decode.h"
#include "config/read_file.h"
#include "config/yaml_tree.h"

namespace latencyd::config {
namespace {

using Kind = YamlNode::Kind;

bool IsBcryptHash(const std::string& hash) {
  // "$2y$10$" + 53 characters of salt and digest: anything else cannot be verified.
  bool prefix = hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
                (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$' &&
                hash[6] == '$';
  if (!prefix || !std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5]))) {
    return false;
  }
  for (std::size_t i = 7; i < hash.size(); ++i) {
    char c = hash[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '/') return false;
  }
  return true;
}

// bcrypt's cost is log2 of its rounds: below 4 crypt refuses it (every login would fail),
// above 16 one login takes minutes of CPU (31: days), so a typo would lock everyone out or
// hang the server. htpasswd and exporter-toolkit users pick 10 to 12.
constexpr int kMinBcryptCost = 4;
constexpr int kMaxBcryptCost = 16;

int BcryptCost(const std::string& hash) { return (hash[4] - '0') * 10 + (hash[5] - '0'); }

void ReadTlsServerConfig(const YamlNode& node, const std::string& file, WebConfig* web,
                         Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  CheckKeys(node, {"cert_file", "key_file"}, diags);
  for (const char* key : {"cert_file", "key_file"}) {
    const YamlNode* value = node.Find(key);
    if (value == nullptr) {
      diags.Error(node, std::string("missing required key \"") + key + "\"");
      continue;
    }
    auto path = ReadString(*value, diags);
    if (!path) continue;
    if (path->empty()) {
      diags.Error(*value, std::string(key) + " must not be empty");
      continue;
    }
    (key[0] == 'c' ? web->cert_file : web->key_file) = ResolveRelativeTo(file, *path);
  }
}

void ReadBasicAuthUsers(const YamlNode& node, WebConfig* web, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  for (const auto& [user, hash_node] : node.entries) {
    if (user.value.empty() || user.value.find(':') != std::string::npos) {
      // Basic auth sends "user:password": a colon in the name could never match.
      diags.Error(user, "invalid user name \"" + user.value + "\" (must be non-empty, no ':')");
      continue;
    }
    auto hash = ReadString(hash_node, diags);
    if (!hash) continue;
    if (!IsBcryptHash(*hash)) {
      diags.Error(hash_node, "the password of \"" + user.value +
                                 "\" is not a bcrypt hash (create one with htpasswd -nBC 10 " +
                                 user.value + ")");
      continue;
    }
    int cost = BcryptCost(*hash);
    if (cost < kMinBcryptCost || cost > kMaxBcryptCost) {
      diags.Error(hash_node, "the bcrypt cost " + hash->substr(4, 2) + " of \"" + user.value +
                                 "\" is outside " + std::to_string(kMinBcryptCost) + "-" +
                                 std::to_string(kMaxBcryptCost) +
                                 " (create a hash with htpasswd -nBC 10 " + user.value + ")");
      continue;
    }
    web->basic_auth_users.emplace_back(user.value, *hash);
  }
}

}  // namespace

WebConfig ParseWebConfig(const std::string& text, const std::string& file_name) {
  Diagnostics diags(file_name);
  const YamlNode root = ParseDocument(text, diags);
  WebConfig web;
  if (root.kind != Kind::kNull && ExpectKind(root, Kind::kMap, "a map", diags)) {
    CheckKeys(root, {"tls_server_config", "basic_auth_users"}, diags);
    if (const YamlNode* tls = root.Find("tls_server_config")) {
      ReadTlsServerConfig(*tls, file_name, &web, diags);
    }
    if (const YamlNode* users = root.Find("basic_auth_users")) {
      ReadBasicAuthUsers(*users, &web, diags);
    }
  }
  if (!diags.empty()) throw ConfigError(diags.TakeSorted());
  return web;
}

WebConfig LoadWebConfigFile(const std::string& path) {
  return ParseWebConfig(ReadConfigText(path), path);
}

}  // namespace latencyd::config
