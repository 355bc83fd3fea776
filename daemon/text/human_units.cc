#include "daemon/text/human_units.h"

#include <cmath>
#include <ctime>

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

std::string FormatAge(double seconds) {
  const long long total = seconds > 0 ? static_cast<long long>(seconds) : 0;
  const long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60;
  if (total < 60) return std::to_string(total) + " s";
  if (total < 3600) return std::to_string(minutes) + " min";
  if (total < 86400) {
    return std::to_string(hours) + " h" + (minutes ? " " + std::to_string(minutes) + " min" : "");
  }
  return std::to_string(days) + " d" + (hours ? " " + std::to_string(hours) + " h" : "");
}

namespace {

std::string FormatUnixTime(double unix_seconds, const char* format) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string FormatUtc(double unix_seconds) {
  if (!(unix_seconds > 0)) return "never";
  return FormatUnixTime(unix_seconds, "%Y-%m-%d %H:%M:%S UTC");
}

std::string FormatIsoUtc(double unix_seconds) {
  return FormatUnixTime(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace latencyd
