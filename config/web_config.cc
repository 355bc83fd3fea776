#include "config/web_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "config/config.h"

namespace latencyd::config {
namespace {

[[noreturn]] void Fail(const std::string& file, const YAML::Mark& mark, const std::string& key,
                       const std::string& message) {
  throw ConfigError({Diagnostic{file, mark.line + 1, mark.column + 1, key, message}});
}

std::string Scalar(const std::string& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) Fail(file, node.Mark(), key, "must be a string");
  return node.Scalar();
}

void ParseTls(const std::string& file, const YAML::Node& tls, WebConfig* web) {
  if (!tls.IsMap()) Fail(file, tls.Mark(), "tls_server_config", "must be a map");
  for (const auto& entry : tls) {
    std::string key = entry.first.Scalar();
    std::string path = "tls_server_config." + key;
    if (key == "cert_file") {
      web->cert_file = Scalar(file, entry.second, path);
    } else if (key == "key_file") {
      web->key_file = Scalar(file, entry.second, path);
    } else {
      Fail(file, entry.first.Mark(), path, "not supported (known: cert_file, key_file)");
    }
  }
  if (web->cert_file.empty() != web->key_file.empty()) {
    Fail(file, tls.Mark(), "tls_server_config", "cert_file and key_file go together");
  }
}

void ParseUsers(const std::string& file, const YAML::Node& users, WebConfig* web) {
  if (!users.IsMap()) Fail(file, users.Mark(), "basic_auth_users", "must be a map");
  for (const auto& entry : users) {
    std::string user = entry.first.Scalar();
    std::string path = "basic_auth_users." + user;
    std::string hash = Scalar(file, entry.second, path);
    if (hash.rfind("$2a$", 0) != 0 && hash.rfind("$2b$", 0) != 0 && hash.rfind("$2y$", 0) != 0) {
      Fail(file, entry.second.Mark(), path, "must be a bcrypt hash ($2a$, $2b$ or $2y$)");
    }
    web->basic_auth_users.emplace_back(user, hash);
  }
}

}  // namespace

WebConfig ParseWebConfig(const std::string& text, const std::string& file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Fail(file_name, e.mark, "", e.msg);
  }
  WebConfig web;
  if (!root || root.IsNull()) return web;
  if (!root.IsMap()) Fail(file_name, root.Mark(), "", "the web config must be a map");
  for (const auto& entry : root) {
    std::string key = entry.first.Scalar();
    if (key == "tls_server_config") {
      ParseTls(file_name, entry.second, &web);
    } else if (key == "basic_auth_users") {
      ParseUsers(file_name, entry.second, &web);
    } else {
      Fail(file_name, entry.first.Mark(), key,
           "unknown or unsupported key (known: basic_auth_users, tls_server_config)");
    }
  }
  return web;
}

WebConfig LoadWebConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError({Diagnostic{path, 0, 0, "", "cannot read file"}});
  std::stringstream text;
  text << in.rdbuf();
  return ParseWebConfig(text.str(), path);
}

}  // namespace latencyd::config
