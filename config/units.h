// Parsing and formatting of the duration and size literals used in config files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace latencyd::config {

// Parses a Go-style duration: one or more <number><unit> terms such as "250us", "1m30s" or
// "1.5s"; units ns, us (or µs), ms, s, m, h. "0" alone is zero. No sign, no spaces.
// Returns nullopt on any syntax error or on overflow of int64 nanoseconds.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Formats a duration the way ParseDuration reads it, compactly: 5ms, 1m30s, 1.5s, 250us, 0s.
std::string FormatDuration(std::chrono::nanoseconds duration);

// Parses a byte size: a whole number optionally followed (with optional blanks) by a unit
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). Returns nullopt on a
// syntax error or overflow.
std::optional<std::uint64_t> ParseSize(std::string_view text);

// Formats a byte size with the largest binary unit that divides it: 1MiB, 64KiB, 1000B.
std::string FormatSize(std::uint64_t bytes);

// Parses one status spec: a code 100-599 ("200"), a class ("2xx", "3XX") or an inclusive
// range ("200-204"). Returns nullopt on anything else.
std::optional<StatusRange> ParseStatusRange(const std::string& text);

}  // namespace latencyd::config
