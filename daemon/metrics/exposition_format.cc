#include "daemon/metrics/exposition_format.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace latencyd {

std::string_view FormatExpositionNumber(double value, char (&buffer)[kExpositionNumberChars]) {
  if (std::isnan(value)) return "Nan";
  if (std::isinf(value)) return value < 0 ? "-Inf" : "+Inf";
  // to_chars with general format and a precision is specified as printf's %.*g in the C
  // locale: what the ostream with precision 16 of prometheus-cpp 1.0.1 writes.
  auto result =
      std::to_chars(buffer, buffer + kExpositionNumberChars, value, std::chars_format::general,
                    std::numeric_limits<double>::max_digits10 - 1);
  return std::string_view(buffer, result.ptr - buffer);
}

std::string_view FormatExpositionInteger(std::uint64_t value,
                                         char (&buffer)[kExpositionNumberChars]) {
  auto result = std::to_chars(buffer, buffer + kExpositionNumberChars, value);
  return std::string_view(buffer, result.ptr - buffer);
}

}  // namespace latencyd
