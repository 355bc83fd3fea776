// Credentials read from files: bearer_token_file, basic_auth.password_file, a header's
// `file:`, ${CREDENTIALS_DIRECTORY}; located errors that name the file, never its content;
// reload comparison by file, not content.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

const std::string kDir = std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/credentials";
const std::string kFile = kDir + "/latencyd.yml";  // relative secret paths resolve here

std::string ErrorsOf(const std::string& text) {
  try {
    ParseConfig(text, kFile);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string OneEndpoint(const std::string& extra) {
  return "endpoints:\n  - name: api\n    url: http://127.0.0.1:1/\n    class: core\n" + extra;
}

// Sets an environment variable for the scope of one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (value != nullptr) setenv(name, value, 1);
    if (value == nullptr) unsetenv(name);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(CredentialsTest, ReadsEveryKindFromFilesAndInheritsDefaults) {
  Config config = ParseConfig(
      "defaults:\n  bearer_token_file: token\n"
      "endpoints:\n"
      "  - { name: inherits, url: http://h/, class: core }\n"
      "  - name: basic\n    url: http://h/\n    class: core\n"
      "    basic_auth: { username: alice, password_file: password }\n"
      "  - name: headers\n    url: http://h/\n    class: core\n"
      "    headers: { X-Plain: plain, X-Key: { file: " +
          kDir + "/token } }\n",
      kFile);
  ASSERT_EQ(config.endpoints.size(), 3u);
  const Credentials& inherited = config.endpoints[0].credentials;
  EXPECT_EQ(inherited.bearer_token_file, kDir + "/token");
  EXPECT_EQ(inherited.bearer_token, "tok-123");  // trailing newline stripped
  const Credentials& basic = config.endpoints[1].credentials;
  EXPECT_TRUE(basic.basic_auth);  // the endpoint's own replace the inherited bearer token
  EXPECT_TRUE(basic.bearer_token_file.empty());
  EXPECT_EQ(basic.username, "alice");
  EXPECT_EQ(basic.password, "pw-456");  // "\r\n" stripped too
  const Endpoint& headers = config.endpoints[2];
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(headers.headers, (Headers{{"X-Plain", "plain"}, {"X-Key", "tok-123"}}));
  EXPECT_EQ(headers.header_files, (std::map<std::string, std::string>{{"X-Key", kDir + "/token"}}));
}

TEST(CredentialsTest, CredentialsDirectoryIsExpanded) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", kDir.c_str());
  Config config = ParseConfig(OneEndpoint("    bearer_token_file: ${CREDENTIALS_DIRECTORY}/token\n"
                                          "    tls: { cert_file: c.pem, key_file: "
                                          "\"${CREDENTIALS_DIRECTORY}/client.key\" }\n"),
                              kFile);
  EXPECT_EQ(config.endpoints[0].credentials.bearer_token, "tok-123");
  EXPECT_EQ(config.endpoints[0].tls.key_file, kDir + "/client.key");
}

struct ErrorCase {
  const char* name;
  std::string extra;  // endpoint keys
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class CredentialErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(CredentialErrorTest, IsLocatedAndNamesTheFileNotTheContent) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", nullptr);
  std::string errors = ErrorsOf(OneEndpoint(GetParam().extra));
  EXPECT_EQ(errors, kFile + ":" + GetParam().message);
  for (const char* content : {"tok-123", "pw-456", "first", "second"}) {
    EXPECT_EQ(errors.find(content), std::string::npos) << errors;
  }
}

const ErrorCase kErrorCases[] = {
    {"missing", "    bearer_token_file: missing\n",
     "5:24: endpoints[0].bearer_token_file: cannot open \"" + kDir +
         "/missing\": No such file or directory"},
    {"empty", "    bearer_token_file: empty\n",
     "5:24: endpoints[0].bearer_token_file: \"" + kDir + "/empty\" is empty"},
    {"directory", "    bearer_token_file: .\n",
     "5:24: endpoints[0].bearer_token_file: \"" + kDir + "/.\" is not a regular file"},
    {"two_lines", "    headers: { X-Key: { file: two_lines } }\n",
     "5:31: endpoints[0].headers.X-Key.file: \"" + kDir +
         "/two_lines\" holds a line break or NUL before its end (one line expected)"},
    {"password_file", "    basic_auth: { username: a, password_file: missing }\n",
     "5:47: endpoints[0].basic_auth.password_file: cannot open \"" + kDir +
         "/missing\": No such file or directory"},
    {"no_password_file", "    basic_auth: { username: a }\n",
     "5:17: endpoints[0].basic_auth: missing required key \"password_file\""},
    {"both",
     "    bearer_token_file: token\n    basic_auth: { username: a, password_file: token }\n",
     "6:17: endpoints[0].basic_auth: set bearer_token_file or basic_auth, not both"},
    {"authorization_header",
     "    bearer_token_file: token\n    headers: { Authorization: Bearer x }\n",
     "6:16: endpoints[0].headers.Authorization: an Authorization header and "
     "bearer_token_file/basic_auth are both set"},
    {"header_without_file", "    headers: { X-Key: { path: token } }\n",
     "5:23: endpoints[0].headers.X-Key: missing required key \"file\"\n" + kFile +
         ":5:25: endpoints[0].headers.X-Key.path: unknown key \"path\" (known: file)"},
    {"credentials_directory_unset", "    bearer_token_file: ${CREDENTIALS_DIRECTORY}/token\n",
     "5:24: endpoints[0].bearer_token_file: ${CREDENTIALS_DIRECTORY} is not set (it is set by "
     "systemd for a unit with LoadCredential=)"},
    {"tls_credentials_directory_unset",
     "    tls: { cert_file: c, key_file: \"${CREDENTIALS_DIRECTORY}/k\" }\n",
     "5:36: endpoints[0].tls.key_file: ${CREDENTIALS_DIRECTORY} is not set (it is set by systemd "
     "for a unit with LoadCredential=)"},
};

INSTANTIATE_TEST_SUITE_P(Cases, CredentialErrorTest, testing::ValuesIn(kErrorCases),
                         [](const testing::TestParamInfo<ErrorCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

// What the unit's reload check does: paths and ${CREDENTIALS_DIRECTORY} are still checked,
// the files are not opened.
TEST(CredentialsTest, SecretFilesCanBeLeftUnread) {
  std::string text = OneEndpoint("    bearer_token_file: missing\n");
  Config config = ParseConfig(text, kFile, LoadOptions{false});
  EXPECT_EQ(config.endpoints[0].credentials.bearer_token_file, kDir + "/missing");
  EXPECT_EQ(config.endpoints[0].credentials.bearer_token, "");
  ScopedEnv env("CREDENTIALS_DIRECTORY", nullptr);
  EXPECT_THROW(ParseConfig(OneEndpoint("    bearer_token_file: ${CREDENTIALS_DIRECTORY}/t\n"),
                           kFile, LoadOptions{false}),
               ConfigError);
}

TEST(CredentialsTest, DefaultsErrorsAreReportedAtDefaults) {
  EXPECT_EQ(ErrorsOf("defaults:\n  bearer_token_file: missing\n"),
            kFile + ":2:22: defaults.bearer_token_file: cannot open \"" + kDir +
                "/missing\": No such file or directory");
}

TEST(CredentialsTest, OversizedSecretFileIsRejected) {
  std::string path = testing::TempDir() + "latencyd_big_secret";
  std::ofstream(path) << std::string(64 * 1024 + 1, 'x');
  EXPECT_EQ(
      ErrorsOf(OneEndpoint("    bearer_token_file: " + path + "\n")),
      kFile + ":5:24: endpoints[0].bearer_token_file: \"" + path + "\" is larger than 64 KiB");
  std::remove(path.c_str());
}

// A rotated secret measures the same request: the window stays; a different file does not.
TEST(CredentialsTest, ReloadComparesSecretFilesByPathNotContent) {
  std::string path = testing::TempDir() + "latencyd_rotating_token";
  std::string text = OneEndpoint("    bearer_token_file: " + path +
                                 "\n    headers: { X-Key: { file: " + path + " } }\n");
  std::ofstream(path) << "old\n";
  Endpoint before = ParseConfig(text, kFile).endpoints[0];
  std::ofstream(path) << "new\n";
  Endpoint after = ParseConfig(text, kFile).endpoints[0];
  EXPECT_EQ(after.credentials.bearer_token, "new");
  EXPECT_TRUE(before.SameProbeSettings(after));
  EXPECT_FALSE(before.SameSecrets(after));
  EXPECT_TRUE(after.SameSecrets(after));
  Endpoint other_file = ParseConfig(OneEndpoint("    bearer_token_file: token\n    headers: { "
                                                "X-Key: { file: " +
                                                path + " } }\n"),
                                    kFile)
                            .endpoints[0];
  EXPECT_FALSE(after.SameProbeSettings(other_file));
  std::remove(path.c_str());
}

TEST(CredentialsTest, UrlMessagesAreRedacted) {
  std::string errors = ErrorsOf(
      "endpoints:\n  - { name: a, class: core, url: "
      "\"http://bob:hunter2@127.0.0.1:99999/x?token=t0ps3cret&page=2\" }\n");
  EXPECT_EQ(errors, kFile +
                        ":2:34: endpoints[0].url: invalid port in URL "
                        "\"http://bob:xxxxx@127.0.0.1:99999/x?token=xxxxx&page=2\"");
}

}  // namespace
}  // namespace latencyd::config
