#include "daemon/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace latencyd {
namespace {

// The fields of /proc/self/stat after the command name, which may itself hold spaces and
// parentheses; fields()[0] is field 3 (state) of proc(5).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// Field n (1-based, as numbered in proc(5)) of /proc/self/stat.
std::optional<double> StatField(const std::vector<std::string>& fields, std::size_t n) {
  if (n < 3 || n - 3 >= fields.size()) return std::nullopt;
  try {
    return std::stod(fields[n - 3]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double btime = 0;
      if (in >> btime) return btime;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // not counting the descriptor that read the directory
}

std::optional<double> MaxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  const std::vector<std::string> fields = StatFields();
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
  const auto utime = StatField(fields, 14);
  const auto stime = StatField(fields, 15);
  if (utime && stime && ticks > 0) stats.cpu_seconds = (*utime + *stime) / ticks;
  if (const auto vsize = StatField(fields, 23)) stats.virtual_memory_bytes = *vsize;
  if (const auto rss = StatField(fields, 24); rss && page_size > 0) {
    stats.resident_memory_bytes = *rss * page_size;
  }
  const auto start_ticks = StatField(fields, 22);
  const auto boot = BootTimeSeconds();
  if (start_ticks && boot && ticks > 0) stats.start_time_seconds = *boot + *start_ticks / ticks;
  stats.open_fds = OpenFds();
  stats.max_fds = MaxFds();
  return stats;
}

}  // namespace latencyd
