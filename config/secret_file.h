// Reading credentials from files named in the config (bearer_token_file, password_file, a
// header's `file:`), so the config itself holds no secret. Private to config/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "config/decode.h"
#include "config/yaml_tree.h"

namespace latencyd::config {

inline constexpr std::size_t kMaxSecretFileSize = 64 * 1024;

// `path` with a leading "${CREDENTIALS_DIRECTORY}/" replaced by that environment variable
// (systemd's LoadCredential= directory). nullopt with `*problem` set when the variable is
// unset or empty; other paths are returned unchanged.
std::optional<std::string> ExpandCredentialsDirectory(const std::string& path,
                                                      std::string* problem);

// Reads the secret file named by the string `node` (resolved against the directory of
// diags.file() when relative, after ExpandCredentialsDirectory). Only a regular file of at
// most kMaxSecretFileSize bytes is accepted; trailing line breaks are stripped; the rest must
// be non-empty and hold no line break or NUL (it becomes a header value). Problems are reported
// at `node`, naming the key and the path, never the content. On success returns the content
// and sets `*resolved_path`. Without diags.read_secret_files() the file is not opened and the
// content returned is empty.
std::optional<std::string> ReadSecretFile(const YamlNode& node, Diagnostics& diags,
                                          std::string* resolved_path);

}  // namespace latencyd::config
