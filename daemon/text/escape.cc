#include "daemon/text/escape.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>

namespace latencyd {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is invalid (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// The single loop behind every escaper: copies runs of valid UTF-8 verbatim, replaces each
// invalid byte by U+FFFD, and replaces each ASCII byte for which `escape` returns a non-empty
// text by that text. Runs are appended whole, so plain text costs one append.
template <typename EscapeAscii>
void AppendEscaped(std::string& out, std::string_view text, EscapeAscii escape) {
  std::size_t run = 0;  // start of the bytes not yet appended
  for (std::size_t i = 0; i < text.size();) {
    std::string_view replacement;
    std::size_t length = 1;
    if (static_cast<unsigned char>(text[i]) >= 0x80) {
      length = Utf8SequenceLength(text, i);
      if (length == 0) {
        replacement = kReplacement;
        length = 1;
      }
    } else {
      replacement = escape(text[i]);
    }
    if (!replacement.empty()) {
      out.append(text, run, i - run);
      out.append(replacement);
      run = i + length;
    }
    i += length;
  }
  out.append(text, run, text.size() - run);
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

// "\u00XX" for a control character.
std::string_view UnicodeEscape(char c) {
  static const auto kTable = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<std::array<char, 6>, 128> table{};
    for (std::size_t byte = 0; byte < table.size(); ++byte) {
      table[byte] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
    }
    return table;
  }();
  return std::string_view(kTable[static_cast<unsigned char>(c) & 0x7F].data(), 6);
}

std::string_view JsonEscape(char c) {
  if (c == '"') return "\\\"";
  if (c == '\\') return "\\\\";
  if (IsControl(c)) return UnicodeEscape(c);
  return {};
}

std::string_view HtmlEscapeChar(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    case '\t':
    case '\n':
      return {};  // harmless in HTML
    default:
      return IsControl(c) ? kReplacement : std::string_view();
  }
}

std::string_view HelpEscape(char c) {
  if (c == '\\') return "\\\\";
  if (c == '\n') return "\\n";
  return {};
}

std::string_view LabelValueEscape(char c) { return c == '"' ? "\\\"" : HelpEscape(c); }

std::string_view LogfmtEscape(char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return JsonEscape(c);
  }
}

bool LogfmtNeedsQuoting(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || IsControl(c)) return true;
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

template <typename... Format>
std::string ToChars(double value, Format... format) {
  char buffer[64];  // any double in %g, or %.Nf up to 1e40 with a few decimals
  const std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof buffer, value, format...);
  if (result.ec != std::errc()) return "?";  // only for huge %f values, which we never print
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, [](char) { return std::string_view(); });
  return out;
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  AppendEscaped(out, text, JsonEscape);
}

std::string JsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, HtmlEscapeChar);
  return out;
}

void AppendLabelValueEscaped(std::string& out, std::string_view text) {
  AppendEscaped(out, text, LabelValueEscape);
}

void AppendHelpEscaped(std::string& out, std::string_view text) {
  AppendEscaped(out, text, HelpEscape);
}

void AppendLogfmtValue(std::string& out, std::string_view text) {
  if (!LogfmtNeedsQuoting(text)) {
    out.append(text);  // printable ASCII only
    return;
  }
  out += '"';
  AppendEscaped(out, text, LogfmtEscape);
  out += '"';
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return ToChars(value);
}

std::string FormatGeneral(double value, int precision) {
  return ToChars(value, std::chars_format::general, precision);
}

std::string FormatFixed(double value, int precision) {
  return ToChars(value, std::chars_format::fixed, precision);
}

}  // namespace latencyd
