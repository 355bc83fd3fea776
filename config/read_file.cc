// Bounded reading of config files.
#include "config/read_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "config/config.h"

namespace latencyd::config {
namespace {

[[noreturn]] void ThrowOne(const std::string& file, std::string message) {
  throw ConfigError({Diagnostic{file, 0, 0, "", std::move(message)}});
}

}  // namespace

std::string ReadConfigText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowOne(path, "cannot open file: " + std::string(std::strerror(errno)));
  // Read one byte past the limit so an oversized file is detected without reading it all.
  std::string text(kMaxConfigFileSize + 1, '\0');
  errno = 0;
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad() || (in.gcount() == 0 && !in.eof())) {
    ThrowOne(path, "cannot read file: " + std::string(std::strerror(errno)));
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileSize) ThrowOne(path, "file is larger than 1 MiB");
  return text;
}

void CheckConfigTextSize(const std::string& text, const std::string& file_name) {
  if (text.size() > kMaxConfigFileSize) {
    ThrowOne(file_name, "file is larger than 1 MiB (" + std::to_string(text.size()) + " bytes)");
  }
}

std::string ResolveRelativeTo(const std::string& file, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  auto slash = file.rfind('/');
  if (slash == std::string::npos) return path;
  return file.substr(0, slash + 1) + path;
}

}  // namespace latencyd::config
