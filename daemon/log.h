// Structured logging to stderr, one line per event, as logfmt (default) or JSON. Thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace latencyd::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

// Parses "debug|info|warn|error" / "logfmt|json"; false on anything else.
bool ParseLevel(std::string_view text, Level* level);
bool ParseFormat(std::string_view text, Format* format);

void Configure(Level min_level, Format format);
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string>;

// Writes `ts=... level=... msg=... key=value...` (or the JSON equivalent) as one line.
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Renders one line without writing it (exposed for tests).
std::string Render(Format format, std::string_view timestamp, Level level, std::string_view message,
                   std::initializer_list<Field> fields);

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

}  // namespace latencyd::log
