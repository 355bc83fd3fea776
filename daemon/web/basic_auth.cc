#include "daemon/web/basic_auth.h"

#include <crypt.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace latencyd {
namespace {

constexpr std::size_t kMaxVerified = 256;
// bcrypt reads at most 72 bytes of a password: a longer one would match on its prefix.
constexpr std::size_t kBcryptMaxPassword = 72;

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Compares in time independent of where the strings differ, so a timing side channel does
// not reveal how much of a guess was right.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

// crypt_r takes C strings, so a password with a NUL would be cut there ("secret\0junk"
// matching "secret"); such a password, or one longer than bcrypt reads, never matches, but
// still costs one bcrypt so its answer comes no sooner.
bool BcryptMatches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on a small connection stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* computed = crypt_r(password.c_str(), hash.c_str(), data.get());
  bool representable =
      password.find('\0') == std::string::npos && password.size() <= kBcryptMaxPassword;
  return computed != nullptr && computed[0] != '*' && ConstantTimeEquals(computed, hash) &&
         representable;
}

bool SplitCredentials(const std::string& authorization, std::string* user, std::string* password) {
  const std::string kPrefix = "Basic ";
  if (authorization.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  std::string credentials;
  if (!DecodeBase64(authorization.substr(kPrefix.size()), &credentials)) return false;
  std::size_t colon = credentials.find(':');
  if (colon == std::string::npos) return false;
  *user = credentials.substr(0, colon);
  *password = credentials.substr(colon + 1);
  return true;
}

int BcryptCost(const std::string& hash) {
  return hash.size() > 6 ? (hash[4] - '0') * 10 + (hash[5] - '0') : 4;
}

// A hash of `cost` that no password matches: a real salt (so crypt_r does the full work)
// followed by a digest no computation yields.
std::string DummyHash(int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2y$", cost, nullptr, 0, salt, sizeof(salt)) == nullptr) {
    std::snprintf(salt, sizeof(salt), "$2y$%02d$abcdefghijklmnopqrstuu", cost);
  }
  return std::string(salt) + std::string(31, '.');
}

std::string Sha256(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace

bool DecodeBase64(const std::string& text, std::string* decoded) {
  decoded->clear();
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    int value = Base64Value(c);
    if (value < 0 || padding > 0) return false;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return padding <= 2;
}

bool CheckBasicAuth(const std::string& authorization, const BasicAuthUsers& users) {
  std::string user, password;
  if (!SplitCredentials(authorization, &user, &password)) return false;
  for (const auto& [name, hash] : users) {
    if (name == user) return BcryptMatches(password, hash);
  }
  return false;
}

BasicAuthenticator::BasicAuthenticator(BasicAuthUsers users, BasicAuthLimits limits)
    : users_(std::move(users)), limits_(limits) {
  int cost = 4;
  for (const auto& user : users_) cost = std::max(cost, BcryptCost(user.second));
  dummy_hash_ = DummyHash(cost);
}

BasicAuthenticator::Verdict BasicAuthenticator::Check(const std::string& authorization) {
  std::string user, password;
  if (!SplitCredentials(authorization, &user, &password)) return Verdict::kDenied;
  const std::string* hash = &dummy_hash_;
  for (const auto& entry : users_) {
    if (entry.first == user) hash = &entry.second;
  }
  std::string key = Sha256(user + '\0' + password + '\0' + *hash);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (verified_.count(key) != 0) return Verdict::kAllowed;
  }
  Verdict verdict = Bcrypt(password, *hash);
  if (verdict != Verdict::kAllowed || hash == &dummy_hash_) {
    return verdict == Verdict::kBusy ? verdict : Verdict::kDenied;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_.insert(key);
  return Verdict::kAllowed;
}

BasicAuthenticator::Verdict BasicAuthenticator::Bcrypt(const std::string& password,
                                                       const std::string& hash) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (running_ >= limits_.max_concurrent_bcrypt && waiting_ >= limits_.max_waiting) {
      return Verdict::kBusy;
    }
    ++waiting_;
    bool turn = turn_free_.wait_for(lock, limits_.max_wait,
                                    [this] { return running_ < limits_.max_concurrent_bcrypt; });
    --waiting_;
    if (!turn) return Verdict::kBusy;
    ++running_;
  }
  bool matches = BcryptMatches(password, hash);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
  turn_free_.notify_one();
  return matches ? Verdict::kAllowed : Verdict::kDenied;
}

}  // namespace latencyd
