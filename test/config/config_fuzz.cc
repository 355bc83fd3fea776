// libFuzzer target: ParseConfig must never crash, hang or leak on any input, and every
// rejection must carry at least one diagnostic. Built only with Clang (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    latencyd::config::ParseConfig(text, "fuzz.yml");
  } catch (const latencyd::config::ConfigError& e) {
    if (e.diagnostics().empty()) std::abort();
  }
  return 0;
}
