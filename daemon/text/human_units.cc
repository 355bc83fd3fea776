#include "daemon/text/human_units.h"

#include <cmath>
#include <cstdio>

namespace latencyd {

std::string FormatSeconds(double seconds) {
  if (std::isnan(seconds)) return "-";
  char text[32];
  double magnitude = std::fabs(seconds);
  if (magnitude == 0) return "0";
  if (magnitude < 1e-3) {
    std::snprintf(text, sizeof(text), "%.0fµs", seconds * 1e6);
  } else if (magnitude < 1) {
    double millis = seconds * 1e3;
    std::snprintf(text, sizeof(text), millis < 10 ? "%.2fms" : (millis < 100 ? "%.1fms" : "%.0fms"),
                  millis);
  } else {
    std::snprintf(text, sizeof(text), "%.2fs", seconds);
  }
  return text;
}

}  // namespace latencyd
