// Syntax rules for names, labels, URLs and headers, kept free of YAML so they can be
// reused (e.g. by the one-shot `latencyd probe URL` command) and tested directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latencyd::config {

inline constexpr std::size_t kMaxEndpointNameLength = 128;

// Each returns nullopt when `text` is acceptable, else the message of the problem.

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). Every string
// of a config can reach /metrics, the status page, the JSON or the logs, and one raw byte that
// is not UTF-8 makes Prometheus reject the whole scrape. The message names the first bad
// byte's offset and value, never the bytes themselves.
std::optional<std::string> CheckUtf8(std::string_view text);
std::optional<std::string> CheckEndpointName(std::string_view name);
std::optional<std::string> CheckClassName(std::string_view name);
std::optional<std::string> CheckLabelName(std::string_view name);
std::optional<std::string> CheckUrl(std::string_view url);
std::optional<std::string> CheckHeaderName(std::string_view name);
std::optional<std::string> CheckHeaderValue(std::string_view value);

}  // namespace latencyd::config
