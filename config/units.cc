// Duration and size literals, in the grammar Prometheus and Go users already know.
#include "config/units.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

namespace latencyd::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t nanos;
};

// Longer suffixes first so "ms" is not read as "m" followed by garbage.
constexpr Unit kDurationUnits[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000},  // U+00B5 MICRO SIGN
    {"\xCE\xBCs", 1000},  // U+03BC GREEK SMALL LETTER MU
    {"ms", 1000 * 1000},
    {"s", 1000LL * 1000 * 1000},
    {"m", 60LL * 1000 * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000 * 1000},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a unit suffix at the front of `text`; returns its length or 0.
std::size_t MatchUnit(std::string_view text, std::int64_t* nanos) {
  std::size_t best = 0;
  for (const Unit& unit : kDurationUnits) {
    if (unit.suffix.size() > best && text.substr(0, unit.suffix.size()) == unit.suffix) {
      best = unit.suffix.size();
      *nanos = unit.nanos;
    }
  }
  return best;
}

// Adds whole * unit + fraction * unit to *total, failing on overflow. The fraction is kept
// as decimal digits so 1.1s is exactly 1100000000ns.
bool AddTerm(std::uint64_t whole, std::string_view fraction, std::int64_t unit,
             std::int64_t* total) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (whole > static_cast<std::uint64_t>(kMax / unit)) return false;
  std::int64_t value = static_cast<std::int64_t>(whole) * unit;
  // Fractional part: digits beyond the unit's resolution are truncated, like Go does.
  std::int64_t scale = unit;
  std::int64_t frac_nanos = 0;
  for (char c : fraction) {
    if (scale < 10) break;
    scale /= 10;
    frac_nanos += (c - '0') * scale;
  }
  if (value > kMax - frac_nanos) return false;
  value += frac_nanos;
  if (*total > kMax - value) return false;
  *total += value;
  return true;
}

}  // namespace

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint64_t whole = 0;
    std::size_t start = i;
    while (i < text.size() && IsDigit(text[i])) {
      if (whole > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return std::nullopt;
      whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
      ++i;
    }
    bool has_whole = i > start;
    std::string_view fraction;
    if (i < text.size() && text[i] == '.') {
      std::size_t frac_start = ++i;
      while (i < text.size() && IsDigit(text[i])) ++i;
      fraction = text.substr(frac_start, i - frac_start);
    }
    if (!has_whole && fraction.empty()) return std::nullopt;
    std::int64_t unit = 0;
    std::size_t unit_len = MatchUnit(text.substr(i), &unit);
    if (unit_len == 0) return std::nullopt;
    i += unit_len;
    if (!AddTerm(whole, fraction, unit, &total)) return std::nullopt;
  }
  return std::chrono::nanoseconds(total);
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  std::int64_t ns = duration.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;  // durations in configs are never near INT64_MIN
  }
  constexpr std::int64_t kSecond = 1000LL * 1000 * 1000;
  if (ns < kSecond) {
    // Below a second: the largest unit that keeps it whole, else a decimal of the unit.
    const std::pair<std::int64_t, const char*> units[] = {{1000 * 1000, "ms"}, {1000, "us"}};
    for (const auto& [size, name] : units) {
      if (ns >= size) {
        std::string whole = std::to_string(ns / size);
        std::int64_t rest = ns % size;
        if (rest == 0) return out + whole + name;
        std::string digits = std::to_string(size + rest).substr(1);
        while (!digits.empty() && digits.back() == '0') digits.pop_back();
        return out.append(whole).append(".").append(digits).append(name);
      }
    }
    return out + std::to_string(ns) + "ns";
  }
  std::int64_t hours = ns / (3600 * kSecond);
  ns %= 3600 * kSecond;
  std::int64_t minutes = ns / (60 * kSecond);
  ns %= 60 * kSecond;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (ns > 0) {
    out += std::to_string(ns / kSecond);
    if (std::int64_t frac = ns % kSecond; frac != 0) {
      std::string digits = std::to_string(kSecond + frac).substr(1);
      while (!digits.empty() && digits.back() == '0') digits.pop_back();
      out += "." + digits;
    }
    out += "s";
  }
  return out;
}

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && IsDigit(text[i])) {
    if (number > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string_view unit = text.substr(i);
  const std::pair<std::string_view, std::uint64_t> units[] = {
      {"", 1},
      {"B", 1},
      {"KB", 1000},
      {"KiB", 1024},
      {"MB", 1000000},
      {"MiB", 1024 * 1024},
      {"GB", 1000000000},
      {"GiB", 1024ULL * 1024 * 1024},
  };
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
    return number * factor;
  }
  return std::nullopt;
}

std::string FormatSize(std::uint64_t bytes) {
  const std::pair<std::uint64_t, const char*> units[] = {
      {1024ULL * 1024 * 1024, "GiB"}, {1024 * 1024, "MiB"}, {1024, "KiB"}};
  for (const auto& [factor, name] : units) {
    if (bytes != 0 && bytes % factor == 0) return std::to_string(bytes / factor) + name;
  }
  return std::to_string(bytes) + "B";
}

std::optional<StatusRange> ParseStatusRange(const std::string& text) {
  auto code = [](std::string_view s) -> std::optional<int> {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.size() != 3 || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    if (v < 100 || v > 599) return std::nullopt;
    return v;
  };
  if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && (text[1] == 'x' || text[1] == 'X') &&
      (text[2] == 'x' || text[2] == 'X')) {
    int base = (text[0] - '0') * 100;
    return StatusRange{base, base + 99};
  }
  if (auto dash = text.find('-'); dash != std::string::npos) {
    auto low = code(std::string_view(text).substr(0, dash));
    auto high = code(std::string_view(text).substr(dash + 1));
    if (!low || !high || *low > *high) return std::nullopt;
    return StatusRange{*low, *high};
  }
  if (auto c = code(text)) return StatusRange{*c, *c};
  return std::nullopt;
}

}  // namespace latencyd::config
