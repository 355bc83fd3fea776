// Bounded reading of config files.
#include "config/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/config.h"

namespace latencyd::config {
namespace {

[[noreturn]] void ThrowOne(const std::string& file, std::string message) {
  throw ConfigError({Diagnostic{file, 0, 0, "", std::move(message)}});
}

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}

std::string SizeText(std::size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// Closes the descriptor on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<std::string> ReadRegularFile(const std::string& path, std::size_t max_bytes,
                                           std::string* text) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return "cannot open file: " + std::string(std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return "cannot read file: " + std::string(std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return std::string("not a regular file (") + FileTypeName(info.st_mode) + ")";
  }
  // Read one byte past the limit so an oversized file is detected without reading it all;
  // the size from fstat is only a hint (the file may grow while it is read).
  text->assign(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < text->size()) {
    ssize_t n = ::read(fd.get(), text->data() + got, text->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read file: " + std::string(std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text->resize(got);
  if (got > max_bytes) return "file is larger than " + SizeText(max_bytes);
  return std::nullopt;
}

std::string ReadConfigText(const std::string& path) {
  std::string text;
  if (auto problem = ReadRegularFile(path, kMaxConfigFileSize, &text)) ThrowOne(path, *problem);
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
