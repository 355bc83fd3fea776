#include "daemon/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "daemon/text/escape.h"

namespace latencyd::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kLogfmt};
std::mutex g_write_mutex;

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// RFC 3339 UTC with milliseconds, like the Prometheus exporters' go-kit logger.
std::string NowTimestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis.count()));
  return buffer;
}

void AppendLogfmt(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;  // keys are identifiers chosen in the code
  out += '=';
  AppendLogfmtValue(out, value);
}

void AppendJson(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  AppendJsonEscaped(out, key);
  out += "\":\"";
  AppendJsonEscaped(out, value);
  out += '"';
}

}  // namespace

bool ParseLevel(std::string_view text, Level* level) {
  for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(candidate)) {
      *level = candidate;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format* format) {
  if (text == "logfmt")
    *format = Format::kLogfmt;
  else if (text == "json")
    *format = Format::kJson;
  else
    return false;
  return true;
}

void Configure(Level min_level, Format format) {
  g_level = min_level;
  g_format = format;
}

bool Enabled(Level level) { return level >= g_level.load(); }

std::string Render(Format format, std::string_view timestamp, Level level, std::string_view message,
                   std::initializer_list<Field> fields) {
  std::string line;
  auto append = format == Format::kJson ? AppendJson : AppendLogfmt;
  if (format == Format::kJson) line = "{";
  append(line, "ts", timestamp);
  append(line, "level", LevelName(level));
  append(line, "msg", message);
  for (const auto& [key, value] : fields) append(line, key, value);
  if (format == Format::kJson) line += "}";
  line += '\n';
  return line;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line = Render(g_format.load(), NowTimestamp(), level, message, fields);
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace latencyd::log
