// Bounded reading of config files, shared by the config and web config loaders. Private.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace latencyd::config {

inline constexpr std::size_t kMaxConfigFileSize = 1024 * 1024;

// Reads the whole of `path` into *text when it is a regular file of at most `max_bytes`;
// otherwise returns why not ("not a regular file (a FIFO)", "larger than ...", an errno text).
// A FIFO, socket or device is never read: it is opened non-blocking (so opening a FIFO without
// a writer does not wait) and refused by its type, and reading stops one byte past the bound,
// so a file that never ends (a FIFO, /dev/zero, a growing log) can neither hang nor exhaust
// memory.
std::optional<std::string> ReadRegularFile(const std::string& path, std::size_t max_bytes,
                                           std::string* text);

// The whole file; throws ConfigError (a line-0 diagnostic) when it cannot be opened or read,
// is not a regular file, or holds more than kMaxConfigFileSize bytes.
std::string ReadConfigText(const std::string& path);

// Throws ConfigError when `text` is over kMaxConfigFileSize.
void CheckConfigTextSize(const std::string& text, const std::string& file_name);

// `path` relative to the directory of `file` (absolute paths are kept).
std::string ResolveRelativeTo(const std::string& file, const std::string& path);

}  // namespace latencyd::config
