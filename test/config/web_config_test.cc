// The --web.config.file subset: TLS files, bcrypt users, and rejection of everything else.
#include "config/web_config.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

constexpr char kHash[] = "$2y$10$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e";

TEST(WebConfigTest, LoadsTlsAndUsersResolvingRelativePaths) {
  std::string dir = std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/web";
  WebConfig web = LoadWebConfigFile(dir + "/full.yml");
  EXPECT_EQ(web.cert_file, dir + "/tls.crt");
  EXPECT_EQ(web.key_file, "/etc/latencyd/tls.key");
  using User = std::pair<std::string, std::string>;
  EXPECT_EQ(web.basic_auth_users, (std::vector<User>{{"prometheus", kHash}, {"grafana", kHash}}));
}

TEST(WebConfigTest, EmptyFileMeansPlainHttpWithoutAuth) {
  WebConfig web = ParseWebConfig("", "web.yml");
  EXPECT_TRUE(web.cert_file.empty());
  EXPECT_TRUE(web.key_file.empty());
  EXPECT_TRUE(web.basic_auth_users.empty());
}

std::string ErrorsOf(const std::string& text) {
  try {
    ParseWebConfig(text, "web.yml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WebConfigTest, RejectsWhatItCannotHonour) {
  const std::pair<std::string, std::string> cases[] = {
      {"http_server_config:\n  http2: false\n",
       "web.yml:1:1: http_server_config: unknown key \"http_server_config\" (known: "
       "basic_auth_users, tls_server_config)"},
      {"tls_server_config:\n  cert_file: a.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
       "web.yml:2:3: tls_server_config: missing required key \"key_file\"\n"
       "web.yml:3:3: tls_server_config.client_auth_type: unknown key \"client_auth_type\" "
       "(known: cert_file, key_file)"},
      {"basic_auth_users:\n  alice: secret\n",
       "web.yml:2:10: basic_auth_users.alice: the password of \"alice\" is not a bcrypt hash "
       "(create one with htpasswd -nBC 10 alice)"},
      {"basic_auth_users:\n  \"a:b\": x\n",
       "web.yml:2:3: basic_auth_users.a:b: invalid user name \"a:b\" (must be non-empty, no ':')"},
      {"basic_auth_users:\n  a: $2y$03$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e\n"
       "  b: $2y$99$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e\n"
       "  c: $2b$31$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e\n"
       "  d: $2b$16$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e\n"
       "  e: $2b$04$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5e\n",
       "web.yml:2:6: basic_auth_users.a: the bcrypt cost 03 of \"a\" is outside 4-16 (create a "
       "hash with htpasswd -nBC 10 a)\n"
       "web.yml:3:6: basic_auth_users.b: the bcrypt cost 99 of \"b\" is outside 4-16 (create a "
       "hash with htpasswd -nBC 10 b)\n"
       "web.yml:4:6: basic_auth_users.c: the bcrypt cost 31 of \"c\" is outside 4-16 (create a "
       "hash with htpasswd -nBC 10 c)"},
      {"basic_auth_users:\n  a: $2y$10$abcdefghijklmnopqrstuuJ9Q2rT1jN3T5wd2v5Bqv3C8f3mZgE5!\n",
       "web.yml:2:6: basic_auth_users.a: the password of \"a\" is not a bcrypt hash (create one "
       "with htpasswd -nBC 10 a)"},
      {"basic_auth_users: [alice]\n", "web.yml:1:19: basic_auth_users: expected a map, got a list"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ErrorsOf(text), message);
  }
}

TEST(WebConfigTest, MissingFile) {
  try {
    LoadWebConfigFile("/nonexistent/web.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/web.yml: cannot open file: No such file or directory");
  }
}

}  // namespace
}  // namespace latencyd::config
