// This process's resident memory, for tests that bound what an operation leaves resident.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <fstream>

namespace latencyd::testing {

// Resident bytes of this process now (/proc/self/statm).
inline std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace latencyd::testing
