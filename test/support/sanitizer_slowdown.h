// How much slower the sanitizer builds (scripts/test-sanitizers.sh) run the suites than a plain
// build: upper bounds on elapsed time in tests, which only catch a gross error (a phase that
// includes another, a timeout not applied), are multiplied by it so that ASan's ~2-5x and
// TSan's 5-15x slowdown on a loaded 2-core machine do not trip them. Header-only constants.
#pragma once

namespace latencyd::testing {

// GCC defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__ under -fsanitize=address / thread.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 10;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif

}  // namespace latencyd::testing
