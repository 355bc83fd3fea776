// `endpoint_files`: endpoint lists in separate files, merged after the config's own.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

using std::chrono::seconds;

const std::string kDir = std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/endpoint_files/";

TEST(EndpointFilesTest, MergesFilesInOrderWithDefaults) {
  Config config = LoadConfigFile(kDir + "main.yml");
  EXPECT_EQ(config.endpoint_files,
            (std::vector<std::string>{kDir + "sd/*.yml", "/nonexistent/dir/*.yml"}));
  EXPECT_EQ(
      config.endpoint_file_paths,
      (std::vector<std::string>{kDir + "sd/a.yml", kDir + "sd/b.yml", kDir + "sd/c_empty.yml"}));
  ASSERT_EQ(config.endpoints.size(), 4u);
  const char* names[] = {"main_root", "plone_info", "async_demo", "health_check"};
  const std::string files[] = {kDir + "main.yml", kDir + "sd/a.yml", kDir + "sd/a.yml",
                               kDir + "sd/b.yml"};
  const int lines[] = {7, 2, 5, 1};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(config.endpoints[i].name, names[i]);
    EXPECT_EQ(config.endpoints[i].file, files[i]);
    EXPECT_EQ(config.endpoints[i].line, lines[i]);
  }
  EXPECT_EQ(config.endpoints[1].interval, seconds(2));  // defaults of the main file apply
  EXPECT_EQ(config.endpoints[2].interval, seconds(5));
}

TEST(EndpointFilesTest, ReportsEveryFileInOrderAndDuplicatesAcrossFiles) {
  try {
    LoadConfigFile(kDir + "bad_main.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              kDir + "bad_main.yml:5:12: endpoints[0].class: unknown class \"cor\" (known: " +
                  "async, core)\n" + kDir +
                  "bad/a.yml:1:9: [0].name: duplicate endpoint name \"main_root\" (first at " +
                  kDir + "bad_main.yml:3)\n" + kDir +
                  "bad/a.yml:5:8: [1].url: unsupported URL scheme \"gopher\" (only http and " +
                  "https are probed)\n" + kDir + "bad/b.yml:1:1: expected a list, got a map");
  }
}

TEST(EndpointFilesTest, PatternsMustBeAList) {
  try {
    ParseConfig("endpoint_files: sd/*.yml\n", "x.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "x.yml:1:17: endpoint_files: expected a list of file patterns, got a string");
  }
}

}  // namespace
}  // namespace latencyd::config
