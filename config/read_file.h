// Bounded reading of config files, shared by the config and web config loaders. Private.
#pragma once

#include <cstddef>
#include <string>

namespace latencyd::config {

inline constexpr std::size_t kMaxConfigFileSize = 1024 * 1024;

// The whole file; throws ConfigError (a line-0 diagnostic) when it cannot be opened or read
// or holds more than kMaxConfigFileSize bytes.
std::string ReadConfigText(const std::string& path);

// Throws ConfigError when `text` is over kMaxConfigFileSize.
void CheckConfigTextSize(const std::string& text, const std::string& file_name);

// `path` relative to the directory of `file` (absolute paths are kept).
std::string ResolveRelativeTo(const std::string& file, const std::string& path);

}  // namespace latencyd::config
