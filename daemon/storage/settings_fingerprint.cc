#include "daemon/storage/settings_fingerprint.h"

#include <string>
#include <string_view>

namespace latencyd {
namespace {

class Fnv1a64 {
 public:
  // Length first, so "ab"+"c" and "a"+"bc" differ.
  Fnv1a64& Text(std::string_view text) {
    Number(text.size());
    for (const char c : text) Byte(static_cast<unsigned char>(c));
    return *this;
  }
  Fnv1a64& Number(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(value >> (8 * i)));
    return *this;
  }
  std::uint64_t value() const { return hash_; }

 private:
  void Byte(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ull;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace

std::uint64_t SettingsFingerprint(const config::Endpoint& e) {
  // Keep in step with config::Endpoint::SameProbeSettings (a test mutates each field).
  Fnv1a64 hash;
  hash.Text(e.url).Text(e.method).Number(e.headers.size());
  // A header read from a file counts by its file, not its (secret, rotating) value.
  for (const auto& [name, value] : e.headers) {
    hash.Text(name).Text(e.header_files.count(name) != 0 ? "" : value);
  }
  hash.Number(e.header_files.size());
  for (const auto& [name, file] : e.header_files) hash.Text(name).Text(file);
  // Credentials by their sources (as SameSources compares them), never the secrets.
  hash.Text(e.credentials.bearer_token_file)
      .Number(e.credentials.basic_auth)
      .Text(e.credentials.username)
      .Text(e.credentials.password_file);
  hash.Number(e.allow_insecure_redirect).Number(static_cast<std::uint64_t>(e.http_version));
  hash.Text(e.body).Number(e.expect.status.size());
  for (const config::StatusRange& range : e.expect.status) {
    hash.Number(static_cast<std::uint64_t>(range.low))
        .Number(static_cast<std::uint64_t>(range.high));
  }
  hash.Text(e.expect.body_regex);
  hash.Number(static_cast<std::uint64_t>(e.interval.count()))
      .Number(static_cast<std::uint64_t>(e.timeout.count()))
      .Number(e.keepalive)
      .Number(e.max_body)
      .Number(static_cast<std::uint64_t>(e.max_redirects));
  hash.Number(e.tls.insecure_skip_verify)
      .Text(e.tls.ca_file)
      .Text(e.tls.cert_file)
      .Text(e.tls.key_file)
      .Text(e.tls.server_name);
  return hash.value();
}

}  // namespace latencyd
