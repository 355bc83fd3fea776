#include "daemon/text/human_units.h"

#include <cmath>

#include "daemon/text/escape.h"

namespace latencyd {

std::string FormatSeconds(double seconds) {
  if (std::isnan(seconds)) return "-";
  double magnitude = std::fabs(seconds);
  if (magnitude == 0) return "0";
  if (magnitude < 1e-3) return FormatFixed(seconds * 1e6, 0) + "µs";
  if (magnitude < 1) {
    const double millis = seconds * 1e3;
    return FormatFixed(millis, millis < 10 ? 2 : (millis < 100 ? 1 : 0)) + "ms";
  }
  return FormatFixed(seconds, 2) + "s";
}

}  // namespace latencyd
