// Redaction of URLs for display: every surface that shows a configured URL (config
// diagnostics, the probe command, logs) shows it through RedactUrl, so credentials written
// into a URL never leave the process. Pure functions, thread-safe. Built as its own small
// library (latencyd_text) because config/ needs it for its messages.
#pragma once

#include <string>
#include <string_view>

namespace latencyd {

// What a redacted value reads as.
inline constexpr std::string_view kRedacted = "xxxxx";

// True for a query parameter name that may carry a credential: one containing token, key,
// secret, pass, auth, sig, credential or session (case-insensitive). Over-matching is safe.
bool IsSecretParameterName(std::string_view name);

// `url` with the password of its userinfo (user:PASSWORD@host) and the values of secret
// query parameters (IsSecretParameterName) replaced by kRedacted. Works on text that is not
// a valid URL too (a scheme-less "user:pw@host/x?token=t"), since it also redacts the URLs
// that error messages quote.
std::string RedactUrl(std::string_view url);

}  // namespace latencyd
