// A 64-bit fingerprint of an endpoint's probe settings, stored with its state on disk so a
// restart restores only endpoints that still probe the same way. Pure, thread-safe.
#pragma once

#include <cstdint>

#include "config/config.h"

namespace latencyd {

// Equal for two endpoints exactly when config::Endpoint::SameProbeSettings holds (up to
// 64-bit hash collisions): the fields it compares, each length-prefixed, hashed with FNV-1a.
std::uint64_t SettingsFingerprint(const config::Endpoint& endpoint);

}  // namespace latencyd
