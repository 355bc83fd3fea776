// Secret files: path expansion, bounded reading of a regular file, and content checks whose
// messages never quote the content.
#include "config/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config/read_file.h"

namespace latencyd::config {
namespace {

constexpr std::string_view kCredentialsPrefix = "${CREDENTIALS_DIRECTORY}/";

// Closes the descriptor on every path out of ReadBounded.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// The file's bytes, or nullopt with `*problem` set. O_NONBLOCK keeps a FIFO from blocking
// the open; fstat then rejects anything that is not a regular file.
std::optional<std::string> ReadBounded(const std::string& path, std::string* problem) {
  Fd file{open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (file.fd < 0) {
    *problem = "cannot open \"" + path + "\": " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat info {};
  if (fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    *problem = "\"" + path + "\" is not a regular file";
    return std::nullopt;
  }
  std::string content(kMaxSecretFileSize + 1, '\0');
  std::size_t used = 0;
  while (used < content.size()) {
    ssize_t n = read(file.fd, content.data() + used, content.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *problem = "cannot read \"" + path + "\": " + std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxSecretFileSize) {
    *problem = "\"" + path + "\" is larger than 64 KiB";
    return std::nullopt;
  }
  content.resize(used);
  return content;
}

// Empty, or a line break or NUL inside, makes the secret unusable as a header value.
std::optional<std::string> CheckContent(std::string* content, const std::string& path) {
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
    content->pop_back();
  }
  if (content->empty()) return "\"" + path + "\" is empty";
  if (content->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return "\"" + path + "\" holds a line break or NUL before its end (one line expected)";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ExpandCredentialsDirectory(const std::string& path,
                                                      std::string* problem) {
  if (path.compare(0, kCredentialsPrefix.size(), kCredentialsPrefix) != 0) return path;
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') {
    *problem =
        "${CREDENTIALS_DIRECTORY} is not set (it is set by systemd for a unit with "
        "LoadCredential=)";
    return std::nullopt;
  }
  std::string expanded = dir;
  if (expanded.back() != '/') expanded += '/';
  return expanded + path.substr(kCredentialsPrefix.size());
}

std::optional<std::string> ReadSecretFile(const YamlNode& node, Diagnostics& diags,
                                          std::string* resolved_path) {
  auto written = ReadString(node, diags);
  if (!written) return std::nullopt;
  std::string problem;
  auto expanded = ExpandCredentialsDirectory(*written, &problem);
  if (!expanded) {
    diags.Error(node, problem);
    return std::nullopt;
  }
  std::string path = ResolveRelativeTo(diags.file(), *expanded);
  if (!diags.read_secret_files()) {
    *resolved_path = path;
    return std::string();
  }
  auto content = ReadBounded(path, &problem);
  if (content) {
    if (auto bad = CheckContent(&*content, path)) problem = *bad;
  }
  if (!problem.empty()) {
    diags.Error(node, problem);
    return std::nullopt;
  }
  *resolved_path = path;
  return content;
}

}  // namespace latencyd::config
