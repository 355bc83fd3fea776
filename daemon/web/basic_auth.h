// HTTP basic authentication against bcrypt hashes, as configured in a Prometheus
// exporter-toolkit web config file. Thread-safe (pure functions).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace latencyd {

using BasicAuthUsers = std::vector<std::pair<std::string, std::string>>;  // user -> hash

// True when `authorization` ("Basic base64(user:password)") names a configured user whose
// bcrypt hash ($2a$/$2b$/$2y$) matches the password.
bool CheckBasicAuth(const std::string& authorization, const BasicAuthUsers& users);

// Standard base64 decoding; false on malformed input.
bool DecodeBase64(const std::string& text, std::string* decoded);

}  // namespace latencyd
