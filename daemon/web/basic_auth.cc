#include "daemon/web/basic_auth.h"

#include <crypt.h>

#include <cstring>

namespace latencyd {
namespace {

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

bool BcryptMatches(const std::string& password, const std::string& hash) {
  crypt_data data;
  std::memset(&data, 0, sizeof(data));
  const char* computed = crypt_r(password.c_str(), hash.c_str(), &data);
  return computed != nullptr && computed[0] != '*' && ConstantTimeEquals(computed, hash);
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
  const std::string kPrefix = "Basic ";
  if (authorization.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  std::string credentials;
  if (!DecodeBase64(authorization.substr(kPrefix.size()), &credentials)) return false;
  std::size_t colon = credentials.find(':');
  if (colon == std::string::npos) return false;
  std::string user = credentials.substr(0, colon);
  std::string password = credentials.substr(colon + 1);
  for (const auto& [name, hash] : users) {
    if (name == user) return BcryptMatches(password, hash);
  }
  return false;
}

}  // namespace latencyd
