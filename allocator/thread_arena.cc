#include "allocator/thread_arena.h"

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

// jemalloc's control call, declared weak so that this library does not choose the allocator:
// the executable does (it links allocator.cc and jemalloc, or not). Under the system malloc
// or a sanitizer's, the symbol is absent and its address null.
extern "C" int mallctl(const char* name, void* old_value, std::size_t* old_size, void* new_value,
                       std::size_t new_size) __attribute__((weak));

namespace latencyd::allocator {
namespace {

// How soon the arena gives freed pages back. Not 0: cpp-httplib copies each piece of a chunked
// response into two fresh strings of about 64 KiB, and with 0 every such free was purged
// (madvise) and the next allocation refaulted its pages: 25 times the allocation's CPU, and at
// 10,000 endpoints sixteen concurrent scrapes went from 5.7 s to 8.8 s and some got a 503
// (bench/README.md). A tenth of a second lets a scrape reuse its own freed pages and still
// returns them before the next scrape round, or the next sample, comes.
constexpr ssize_t kDirtyDecayMs = 100;

// A new arena whose freed pages are purged after kDirtyDecayMs (muzzy pages are purged at
// once by the process's options); none when jemalloc is absent or refuses.
std::optional<unsigned> CreateReturningArena() {
  if (mallctl == nullptr) return std::nullopt;
  unsigned arena = 0;
  std::size_t size = sizeof arena;
  if (mallctl("arenas.create", &arena, &size, nullptr, 0) != 0) return std::nullopt;
  ssize_t decay_ms = kDirtyDecayMs;
  const std::string decay = "arena." + std::to_string(arena) + ".dirty_decay_ms";
  if (mallctl(decay.c_str(), nullptr, nullptr, &decay_ms, sizeof decay_ms) != 0) {
    return std::nullopt;
  }
  return arena;
}

}  // namespace

bool UseReturningArena() {
  // Created once (thread-safe static initialisation); an arena is never destroyed.
  static const std::optional<unsigned> arena = CreateReturningArena();
  if (!arena) return false;
  unsigned index = *arena;
  return mallctl("thread.arena", nullptr, nullptr, &index, sizeof index) == 0;
}

}  // namespace latencyd::allocator
