// The one place where text crosses into an output format: JSON strings (the JSON API and
// --log.format=json), HTML text and attributes (the status page), Prometheus label values and
// HELP texts (the exposition), and logfmt values (the default log format); and the one way
// doubles become decimal text. Pure functions, thread-safe.
//
// Every escaper first makes its input valid UTF-8: each byte that does not start a valid
// sequence (stray continuation bytes, overlong forms, surrogates, code points above U+10FFFF,
// truncated sequences) becomes U+FFFD. Names, labels and errors can carry arbitrary bytes
// (from a config file or a target's response); JSON parsers, browsers and Prometheus reject
// or mangle invalid UTF-8, and one replacement rule everywhere keeps the outputs agreeing.
// Valid UTF-8 passes through unchanged apart from each format's own escapes.
#pragma once

#include <string>
#include <string_view>

namespace latencyd {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);

// Appends `text` as the inside of a JSON string: `"` and `\` backslash-escaped, control
// characters (U+0000..U+001F and U+007F) as \u00XX.
void AppendJsonEscaped(std::string& out, std::string_view text);
// A JSON string literal (quotes included) holding `text`.
std::string JsonString(std::string_view text);

// `text` safe both as HTML text and inside a quoted attribute: & < > " ' as entities; control
// characters other than tab and newline, which HTML forbids, as U+FFFD.
std::string HtmlEscape(std::string_view text);

// Appends `text` as a Prometheus text-format label value (without the quotes): `\`, `"` and
// newline backslash-escaped, as prometheus-cpp's TextSerializer writes them.
void AppendLabelValueEscaped(std::string& out, std::string_view text);
// Appends `text` as a Prometheus HELP text: `\` and newline backslash-escaped.
void AppendHelpEscaped(std::string& out, std::string_view text);

// Appends `text` as a logfmt value: bare when it is non-empty printable ASCII without space,
// `"`, `=` or `\`; otherwise quoted, with `"` `\` \n \r \t backslash-escaped and
// other control characters as \u00XX.
void AppendLogfmtValue(std::string& out, std::string_view text);

// The shortest decimal that reads back as `value` (std::to_chars); "null" for NaN and the
// infinities, which JSON cannot represent.
std::string JsonNumber(double value);

// `value` like printf's "%.<precision>g" in the C locale, by std::to_chars.
std::string FormatGeneral(double value, int precision);
// `value` like printf's "%.<precision>f" in the C locale, by std::to_chars.
std::string FormatFixed(double value, int precision);

}  // namespace latencyd
