// Counting what /proc lists for a process (its threads, its open descriptors), for tests and
// benchmarks that bound what the daemon holds.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <string>

namespace latencyd::testing {

// Entries of the directory `dir` other than "." and ".."; -1 when it cannot be read.
inline int CountEntries(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(handle)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(handle);
  return count;
}

// Open file descriptors of `pid` (/proc/PID/fd); -1 when unreadable.
inline int OpenDescriptorCount(pid_t pid) {
  return CountEntries("/proc/" + std::to_string(pid) + "/fd");
}

}  // namespace latencyd::testing
