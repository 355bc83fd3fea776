// Valid configs: defaults filled in, inheritance, class overrides, the model's operators.
#include "config/config.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace latencyd::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string TestData(const std::string& name) {
  return std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/" + name;
}

TEST(LoadConfigFileTest, MinimalConfigGetsEveryDefault) {
  Config config = LoadConfigFile(TestData("valid/minimal.yml"));
  EXPECT_EQ(config.source_path, TestData("valid/minimal.yml"));
  EXPECT_EQ(config.defaults.interval, seconds(1));
  EXPECT_EQ(config.defaults.timeout, seconds(1));
  EXPECT_EQ(config.defaults.window, minutes(5));
  EXPECT_EQ(config.defaults.quantiles, (std::vector<double>{0.5, 0.9, 0.95, 0.99}));
  EXPECT_FALSE(config.defaults.keepalive);
  EXPECT_EQ(config.defaults.max_body, 1024u * 1024u);
  EXPECT_EQ(config.defaults.max_redirects, 5);
  EXPECT_FALSE(config.defaults.allow_insecure_redirect);

  ASSERT_EQ(config.classes.size(), 2u);
  EXPECT_EQ(config.classes.at("core").name, "core");
  EXPECT_EQ(config.classes.at("core").threshold, milliseconds(5));
  EXPECT_EQ(config.classes.at("core").quantile, 0.5);
  EXPECT_EQ(config.classes.at("core").min_samples, 5);
  EXPECT_EQ(config.classes.at("async").threshold, milliseconds(100));
  EXPECT_EQ(config.classes.at("async").quantile, 0.5);

  ASSERT_EQ(config.endpoints.size(), 1u);
  const Endpoint& ep = config.endpoints[0];
  EXPECT_EQ(ep.name, "plone_info");
  EXPECT_EQ(ep.url, "http://127.0.0.1:8000/plone/info");
  EXPECT_EQ(ep.class_name, "core");
  EXPECT_EQ(ep.method, "GET");
  EXPECT_TRUE(ep.headers.empty());
  EXPECT_EQ(ep.body, "");
  EXPECT_EQ(ep.expect.status, (std::vector<StatusRange>{{200, 399}}));
  EXPECT_EQ(ep.expect.body_regex, "");
  EXPECT_EQ(ep.interval, seconds(1));
  EXPECT_EQ(ep.timeout, seconds(1));
  EXPECT_EQ(ep.window, minutes(5));
  EXPECT_EQ(ep.quantiles, (std::vector<double>{0.5, 0.9, 0.95, 0.99}));
  EXPECT_FALSE(ep.keepalive);
  EXPECT_EQ(ep.max_body, 1024u * 1024u);
  EXPECT_EQ(ep.max_redirects, 5);
  EXPECT_FALSE(ep.allow_insecure_redirect);
  EXPECT_TRUE(ep.labels.empty());
  EXPECT_EQ(ep.tls, TlsConfig{});
  EXPECT_EQ(ep.line, 2);
  EXPECT_EQ(&config.ClassOf(ep), &config.classes.at("core"));
}

TEST(LoadConfigFileTest, EmptyFileAndEmptyEndpointListAreValid) {
  for (const char* name : {"valid/empty.yml", "valid/empty_endpoints.yml"}) {
    SCOPED_TRACE(name);
    Config config = LoadConfigFile(TestData(name));
    EXPECT_TRUE(config.endpoints.empty());
    EXPECT_EQ(config.classes.size(), 2u);
  }
}

class FullConfigTest : public testing::Test {
 protected:
  Config config_ = LoadConfigFile(TestData("valid/full.yml"));
};

TEST_F(FullConfigTest, DefaultsAreRead) {
  EXPECT_EQ(config_.defaults.interval, seconds(2));
  EXPECT_EQ(config_.defaults.timeout, milliseconds(1500));
  EXPECT_EQ(config_.defaults.window, minutes(10));
  EXPECT_EQ(config_.defaults.quantiles, (std::vector<double>{0.5, 0.9, 0.99}));
  EXPECT_TRUE(config_.defaults.keepalive);
  EXPECT_EQ(config_.defaults.max_body, 64u * 1024u);
  EXPECT_EQ(config_.defaults.max_redirects, 2);
  EXPECT_TRUE(config_.defaults.allow_insecure_redirect);
}

TEST_F(FullConfigTest, FileClassesOverrideAndAddToBuiltins) {
  ASSERT_EQ(config_.classes.size(), 3u);
  const ClassConfig& core = config_.classes.at("core");
  EXPECT_EQ(core.threshold, milliseconds(3));
  EXPECT_EQ(core.quantile, 0.5);
  EXPECT_EQ(core.min_samples, 5);
  EXPECT_EQ(core.detector_level, 12.5);
  EXPECT_FALSE(core.timeouts_in_quantiles);
  EXPECT_EQ(config_.classes.at("async").threshold, milliseconds(100));
  const ClassConfig& batch = config_.classes.at("batch");
  EXPECT_EQ(batch.name, "batch");
  EXPECT_EQ(batch.threshold, seconds(2));
  EXPECT_EQ(batch.quantile, 0.9);
  EXPECT_EQ(batch.min_samples, 20);
  EXPECT_EQ(batch.detector_level, 9);
  EXPECT_TRUE(batch.timeouts_in_quantiles);
}

TEST_F(FullConfigTest, EndpointInheritsDefaults) {
  const Endpoint& ep = config_.endpoints.at(0);
  EXPECT_EQ(ep.interval, seconds(2));
  EXPECT_EQ(ep.timeout, milliseconds(1500));
  EXPECT_EQ(ep.window, minutes(10));
  EXPECT_EQ(ep.quantiles, (std::vector<double>{0.5, 0.9, 0.99}));
  EXPECT_TRUE(ep.keepalive);
  EXPECT_EQ(ep.max_body, 64u * 1024u);
  EXPECT_EQ(ep.max_redirects, 2);
  EXPECT_TRUE(ep.allow_insecure_redirect);
}

TEST_F(FullConfigTest, EndpointOverridesEverything) {
  const Endpoint& ep = config_.endpoints.at(1);
  EXPECT_EQ(ep.name, "batch_job");
  EXPECT_EQ(ep.url, "https://api.example.com:8443/jobs?limit=1");
  EXPECT_EQ(ep.class_name, "batch");
  EXPECT_EQ(ep.method, "POST");
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(ep.headers, (std::vector<Header>{{"Content-Type", "application/json"},
                                             {"Authorization", "Bearer abc"},
                                             {"Accept", "*/*"}}));
  EXPECT_EQ(ep.body, "{\"dry_run\": true}");
  EXPECT_EQ(ep.expect.status, (std::vector<StatusRange>{{200, 200}, {300, 399}, {204, 206}}));
  EXPECT_EQ(ep.expect.body_regex, "\"ok\":\\s*true");
  EXPECT_EQ(ep.interval, seconds(30));
  EXPECT_EQ(ep.timeout, seconds(10));
  EXPECT_EQ(ep.window, std::chrono::hours(1));
  // Its own list replaces the defaults' and gains the class's judged quantile 0.9.
  EXPECT_EQ(ep.quantiles, (std::vector<double>{0.75, 0.9}));
  EXPECT_FALSE(ep.keepalive);
  EXPECT_EQ(ep.max_body, 1000000u);
  EXPECT_EQ(ep.max_redirects, 0);
  EXPECT_FALSE(ep.allow_insecure_redirect);
  EXPECT_EQ(ep.labels, (std::map<std::string, std::string>{{"team", "payments"}, {"tier", "1"}}));
  EXPECT_TRUE(ep.tls.insecure_skip_verify);
  EXPECT_EQ(ep.tls.ca_file, "/etc/latencyd/ca.pem");
  EXPECT_EQ(ep.tls.cert_file, "/etc/latencyd/client.pem");
  EXPECT_EQ(ep.tls.key_file, "/etc/latencyd/client.key");
  EXPECT_EQ(ep.tls.server_name, "api.internal");
  EXPECT_EQ(ep.line, 20);
}

TEST_F(FullConfigTest, SingleStatusCode) {
  const Endpoint& ep = config_.endpoints.at(2);
  EXPECT_EQ(ep.expect.status, (std::vector<StatusRange>{{200, 200}}));
  EXPECT_EQ(ep.class_name, "async");
}

TEST(ParseConfigTest, JudgedQuantileIsAlwaysExported) {
  Config config = ParseConfig(
      "defaults: {quantiles: [0.99]}\n"
      "classes: {slow: {threshold: 1s, quantile: 0.95}}\n"
      "endpoints:\n"
      "  - {name: a, url: 'http://h/', class: core}\n"
      "  - {name: b, url: 'http://h/', class: slow, quantiles: []}\n",
      "inline.yml");
  EXPECT_EQ(config.endpoints[0].quantiles, (std::vector<double>{0.5, 0.99}));
  EXPECT_EQ(config.endpoints[1].quantiles, (std::vector<double>{0.95}));
}

TEST(ParseConfigTest, AnUnwrittenTimeoutFollowsAShortInterval) {
  // Nobody wrote a timeout, so none can be wrong: it becomes min(1s, interval).
  Config config = ParseConfig(
      "defaults: {interval: 50ms}\n"
      "endpoints:\n"
      "  - {name: a, url: 'http://h/', class: core, interval: 100ms}\n"
      "  - {name: b, url: 'http://h/', class: core}\n"
      "  - {name: c, url: 'http://h/', class: core, interval: 5s}\n",
      "x.yml");
  EXPECT_EQ(config.endpoints[0].timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(config.endpoints[1].timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(config.endpoints[2].timeout, std::chrono::seconds(1));
}

TEST(ParseConfigTest, EndpointIntervalMustStillExceedAWrittenInheritedTimeout) {
  // Reported at the endpoint's interval: the inherited timeout is fine where it was written.
  try {
    ParseConfig(
        "defaults: {timeout: 1s}\n"
        "endpoints:\n  - {name: a, url: 'http://h/', class: core, interval: 100ms}\n",
        "x.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "x.yml:3:56: endpoints[0].interval: timeout 1s exceeds interval 100ms");
  }
}

TEST(ConfigErrorTest, CarriesStructuredDiagnosticsInFileOrder) {
  std::ifstream in(TestData("invalid/several_problems.yml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    ParseConfig(text, "several.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 7u);
    const Diagnostic& d = e.diagnostics()[4];
    EXPECT_EQ(d.file, "several.yml");
    EXPECT_EQ(d.line, 10);
    EXPECT_EQ(d.column, 12);
    EXPECT_EQ(d.key_path, "endpoints[0].class");
    EXPECT_EQ(d.message, "unknown class \"cor\" (known: async, core)");
    for (std::size_t i = 1; i < e.diagnostics().size(); ++i) {
      EXPECT_LE(e.diagnostics()[i - 1].line, e.diagnostics()[i].line);
    }
  }
}

TEST(DiagnosticTest, ToStringOmitsWhatIsUnknown) {
  EXPECT_EQ((Diagnostic{"a.yml", 3, 7, "defaults.interval", "bad"}).ToString(),
            "a.yml:3:7: defaults.interval: bad");
  EXPECT_EQ((Diagnostic{"a.yml", 3, 7, "", "bad"}).ToString(), "a.yml:3:7: bad");
  EXPECT_EQ((Diagnostic{"a.yml", 0, 0, "", "cannot open"}).ToString(), "a.yml: cannot open");
}

std::string LoadError(const std::string& path) {
  try {
    LoadConfigFile(path);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics().at(0).line, 0);
    return e.what();
  }
  return "(no error)";
}

TEST(LoadConfigFileTest, MissingFile) {
  EXPECT_EQ(LoadError("/nonexistent/latencyd.yml"),
            "/nonexistent/latencyd.yml: cannot open file: No such file or directory");
}

TEST(LoadConfigFileTest, Directory) {
  EXPECT_EQ(LoadError(TestData("valid")), TestData("valid") + ": not a regular file (a directory)");
}

TEST(LoadConfigFileTest, FileOverOneMebibyte) {
  std::string path = testing::TempDir() + "latencyd_config_too_large.yml";
  {
    std::ofstream out(path);
    out << "# " << std::string(1024 * 1024, 'x') << "\n";
  }
  EXPECT_EQ(LoadError(path), path + ": file is larger than 1 MiB");
  std::remove(path.c_str());
}

TEST(ParseConfigTest, TextOverOneMebibyte) {
  try {
    ParseConfig(std::string(1024 * 1024 + 1, '\n'), "big.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "big.yml: file is larger than 1 MiB (1048577 bytes)");
  }
}

TEST(ParseConfigTest, ValueGrammarEdges) {
  Config config = ParseConfig(
      "defaults: {quantiles: [.999, 1e-3, 0.5], keepalive: TRUE, max_body: 64 KiB}\n"
      "endpoints:\n"
      "  - name: a\n"
      "    url: 'HTTPS://[::1]:8443/x'\n"
      "    class: core\n"
      "    expect: {status: [3XX, 200-204]}\n"
      "    labels: {tier: 1}\n",
      "edges.yml");
  EXPECT_EQ(config.defaults.quantiles, (std::vector<double>{0.001, 0.5, 0.999}));
  EXPECT_TRUE(config.defaults.keepalive);
  EXPECT_EQ(config.defaults.max_body, 64u * 1024u);
  const Endpoint& ep = config.endpoints.at(0);
  EXPECT_EQ(ep.expect.status, (std::vector<StatusRange>{{300, 399}, {200, 204}}));
  EXPECT_EQ(ep.labels.at("tier"), "1");
}

TEST(ParseConfigTest, QuotedBooleanIsAString) {
  try {
    ParseConfig("defaults: {keepalive: \"true\"}\n", "q.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "q.yml:1:23: defaults.keepalive: invalid boolean \"true\" (use true or false)");
  }
}

TEST(ParseConfigTest, NestingBeyondTheLimitIsRejected) {
  std::string deep = "x: " + std::string(32, '[') + std::string(32, ']') + "\n";
  try {
    ParseConfig(deep, "d.yml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].message, "nesting deeper than 32 levels");
    EXPECT_EQ(e.diagnostics()[0].column, 35);
  }
}

TEST(ParseConfigTest, NestingUpToTheLimitIsNotADepthError) {
  // 32 levels are allowed (the error is then about the schema, not the depth).
  std::string deep = "x: " + std::string(31, '[') + std::string(31, ']') + "\n";
  try {
    ParseConfig(deep, "d.yml");
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("nesting"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace latencyd::config
