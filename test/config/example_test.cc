// The shipped configs must stay valid: the reference example (with its commented HTTPS
// block switched on, so every key is checked) and the demo config.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

const std::string kExample = std::string(LATENCYD_CONFIG_SOURCE_DIR) + "/latencyd.example.yml";

TEST(ExampleConfigTest, IsValidAndProbesTheReferenceApi) {
  Config config = LoadConfigFile(kExample);
  const std::pair<const char*, const char*> expected[] = {
      {"main_root", "/"},
      {"plone_info", "/plone/info"},
      {"health_check", "/health"},
      {"content_list", "/content"},
      {"main_health", "/main/health"},
      {"root_endpoint", "/root"},
      {"async_demo", "/async/demo"},
      {"advanced_patterns", "/async/advanced"},
      {"async_tasks_demo", "/async/tasks"},
  };
  ASSERT_EQ(config.endpoints.size(), std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(config.endpoints[i].name, expected[i].first);
    EXPECT_EQ(config.endpoints[i].url, std::string("http://127.0.0.1:8000") + expected[i].second);
    bool async = std::string(expected[i].second).rfind("/async/", 0) == 0;
    EXPECT_EQ(config.endpoints[i].class_name, async ? "async" : "core");
  }
  EXPECT_EQ(config.classes.at("core").threshold, std::chrono::milliseconds(5));
  EXPECT_EQ(config.classes.at("async").threshold, std::chrono::milliseconds(100));
}

TEST(ExampleConfigTest, CommentedHttpsExampleIsValidToo) {
  std::ifstream in(kExample);
  std::string line;
  std::string text;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.find("# BEGIN https example") != std::string::npos) {
      in_block = true;
    } else if (line.find("# END https example") != std::string::npos) {
      in_block = false;
    } else if (in_block) {
      auto hash = line.find("# ");
      ASSERT_NE(hash, std::string::npos) << line;
      line.erase(hash, 2);
    }
    text += line + "\n";
  }
  // The block reads its token from a systemd credential, as the shipped unit provides it.
  std::string credentials = testing::TempDir() + "latencyd_example_credentials";
  mkdir(credentials.c_str(), 0700);
  std::ofstream(credentials + "/api-token") << "example-token\n";
  setenv("CREDENTIALS_DIRECTORY", credentials.c_str(), 1);
  Config config = ParseConfig(text, "latencyd.example.yml");
  unsetenv("CREDENTIALS_DIRECTORY");
  ASSERT_EQ(config.endpoints.size(), 10u);
  const Endpoint& https = config.endpoints.back();
  EXPECT_EQ(https.method, "POST");
  EXPECT_EQ(https.body, "{\"sku\": \"probe\", \"quantity\": 0}");
  EXPECT_EQ(https.tls.cert_file, "/etc/latencyd/client.pem");
  EXPECT_EQ(https.tls.server_name, "api.internal");
  EXPECT_EQ(https.tls.key_file, credentials + "/client.key");
  EXPECT_EQ(https.credentials.bearer_token, "example-token");
  EXPECT_EQ(https.expect.status.size(), 3u);
}

TEST(ExampleConfigTest, DemoConfigIsValid) {
  Config config = LoadConfigFile(std::string(LATENCYD_CONFIG_SOURCE_DIR) + "/demo.yml");
  EXPECT_FALSE(config.endpoints.empty());
}

}  // namespace
}  // namespace latencyd::config
