// Numbers as the Prometheus text format 0.0.4 of prometheus-cpp 1.0.1 spells them, shared by
// every exposition writer (escaping is in daemon/text/escape.h). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace latencyd {

// Room for any double in "%.16g" (sign, 16 digits, point, exponent) or any 64-bit integer.
inline constexpr std::size_t kExpositionNumberChars = 32;

// "%.16g" of a finite double (std::to_chars, locale-free); "Nan", "+Inf" or "-Inf" otherwise.
// The view points into `buffer` (or a literal).
std::string_view FormatExpositionNumber(double value, char (&buffer)[kExpositionNumberChars]);
std::string_view FormatExpositionInteger(std::uint64_t value,
                                         char (&buffer)[kExpositionNumberChars]);

}  // namespace latencyd
