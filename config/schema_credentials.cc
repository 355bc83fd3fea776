// Credentials of defaults and endpoints (bearer_token_file, basic_auth) and request headers,
// whose values may come from files so that the config itself holds no secret.
#include <strings.h>

#include "config/checks.h"
#include "config/schema.h"
#include "config/secret_file.h"

namespace latencyd::config {

using Kind = YamlNode::Kind;

namespace {

std::optional<Credentials> ReadBearer(const YamlNode& node, Diagnostics& diags) {
  Credentials out;
  auto token = ReadSecretFile(node, diags, &out.bearer_token_file);
  if (!token) return std::nullopt;
  out.bearer_token = std::move(*token);
  return out;
}

std::optional<Credentials> ReadBasicAuth(const YamlNode& node, Diagnostics& diags) {
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return std::nullopt;
  CheckKeys(node, {"username", "password_file"}, diags);
  Credentials out;
  out.basic_auth = true;
  bool ok = true;
  for (const char* key : {"username", "password_file"}) {
    if (node.Find(key) == nullptr) {
      diags.Error(node, std::string("missing required key \"") + key + "\"");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  const YamlNode& username = *node.Find("username");
  auto name = ReadString(username, diags);
  if (name && name->find(':') != std::string::npos) {
    diags.Error(username, "username contains \":\" (basic auth cannot carry it)");
    name.reset();
  }
  auto password = ReadSecretFile(*node.Find("password_file"), diags, &out.password_file);
  if (!name || !password) return std::nullopt;
  out.username = std::move(*name);
  out.password = std::move(*password);
  return out;
}

}  // namespace

void ReadCredentials(const YamlNode& map, Credentials* credentials, Diagnostics& diags) {
  const YamlNode* bearer = map.Find("bearer_token_file");
  const YamlNode* basic = map.Find("basic_auth");
  if (bearer != nullptr && basic != nullptr) {
    diags.Error(*basic, "set bearer_token_file or basic_auth, not both");
    return;
  }
  std::optional<Credentials> read;
  if (bearer != nullptr) read = ReadBearer(*bearer, diags);
  if (basic != nullptr) read = ReadBasicAuth(*basic, diags);
  if (read) *credentials = std::move(*read);
}

void ReadHeaders(const YamlNode& node, Endpoint* ep, Diagnostics& diags) {
  if (node.kind == Kind::kNull) return;
  if (!ExpectKind(node, Kind::kMap, "a map", diags)) return;
  for (const auto& [key, value] : node.entries) {
    if (auto problem = CheckHeaderName(key.value)) {
      diags.Error(key, *problem);
      continue;
    }
    if (strcasecmp(key.value.c_str(), "Authorization") == 0 && !ep->credentials.empty()) {
      diags.Error(key, "an Authorization header and bearer_token_file/basic_auth are both set");
      continue;
    }
    if (value.kind == Kind::kMap) {
      CheckKeys(value, {"file"}, diags);
      const YamlNode* file = value.Find("file");
      if (file == nullptr) {
        diags.Error(value, "missing required key \"file\"");
        continue;
      }
      std::string path;
      auto content = ReadSecretFile(*file, diags, &path);
      if (!content) continue;
      ep->header_files[key.value] = path;
      ep->headers.emplace_back(key.value, std::move(*content));
      continue;
    }
    auto text = ReadString(value, diags);
    if (!text) continue;
    // The message never quotes the value: it may be a secret.
    if (auto problem = CheckHeaderValue(*text)) {
      diags.Error(value, *problem);
      continue;
    }
    ep->headers.emplace_back(key.value, *text);
  }
}

}  // namespace latencyd::config
