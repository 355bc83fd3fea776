// HTTP basic authentication against bcrypt hashes, as configured in a Prometheus
// exporter-toolkit web config file, hardened against probing: every user name costs one
// bcrypt (unknown ones against a dummy hash of the same cost), the whole password counts,
// and at most a few bcrypt computations run at once. BasicAuthenticator is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace latencyd {

using BasicAuthUsers = std::vector<std::pair<std::string, std::string>>;  // user -> hash

struct BasicAuthLimits {
  // bcrypt at cost 10 takes ~0.1 s of a core: a flood of wrong passwords must not take every
  // thread and core, so only this many run at once...
  std::size_t max_concurrent_bcrypt = 2;
  // ...at most this many more wait for a turn (beyond: 429 at once)...
  std::size_t max_waiting = 16;
  // ...and a request waits at most this long for a turn, then gets 429.
  std::chrono::milliseconds max_wait{2000};
};

class BasicAuthenticator {
 public:
  enum class Verdict { kAllowed, kDenied, kBusy };

  // `users` holds valid bcrypt hashes (config::LoadWebConfigFile checks them).
  BasicAuthenticator(BasicAuthUsers users, BasicAuthLimits limits = {});

  // Judges an Authorization header value ("Basic base64(user:password)").
  Verdict Check(const std::string& authorization);

 private:
  // bcrypt of `password` against `hash`, when a turn is free within max_wait.
  Verdict Bcrypt(const std::string& password, const std::string& hash);

  const BasicAuthUsers users_;
  const BasicAuthLimits limits_;
  std::string dummy_hash_;  // the highest cost of `users_`, matching no password
  std::mutex mutex_;
  std::condition_variable turn_free_;
  std::size_t running_ = 0;
  std::size_t waiting_ = 0;
  // SHA-256 of "user\0password\0hash" of recent successful logins: a scraper with the right
  // password skips bcrypt (as exporter-toolkit caches), so a flood of wrong ones cannot
  // crowd it out. Bounded; cleared when full.
  std::set<std::string> verified_;
};

// True when `authorization` names a configured user whose bcrypt hash matches the whole
// password. Runs bcrypt without bounds; BasicAuthenticator is what the server uses.
bool CheckBasicAuth(const std::string& authorization, const BasicAuthUsers& users);

// Standard base64 decoding; false on malformed input.
bool DecodeBase64(const std::string& text, std::string* decoded);

}  // namespace latencyd
