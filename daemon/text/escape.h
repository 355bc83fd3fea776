// Text that crosses into JSON, HTML or logs: UTF-8 made valid, strings quoted, numbers written
// shortest-exact. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace latencyd {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD: names and errors can carry
// arbitrary bytes (from a config file or a target's response), and both JSON and HTML
// consumers reject or mangle invalid UTF-8.
std::string ValidUtf8(std::string_view text);

// A JSON string literal (quotes included) holding `text`, control characters \u-escaped.
std::string JsonString(std::string_view text);

// The shortest decimal that reads back as `value`; "null" for NaN and infinities, which JSON
// cannot represent.
std::string JsonNumber(double value);

}  // namespace latencyd
