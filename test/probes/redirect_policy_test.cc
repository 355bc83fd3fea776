// The redirect policy against two loopback servers on different ports (different origins)
// that record what they receive: custom headers and the body go only to the configured
// origin, and https never silently continues over http.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"
#include "test/support/test_pki.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::FixtureServer;
namespace fs = std::filesystem;

// `code` redirect from `from` to `to_url` (absolute, maybe another origin).
std::string RedirectUrl(const FixtureServer& from, int code, const std::string& to_url) {
  std::string encoded;
  for (char c : to_url) {
    if (c == ':' || c == '/' || c == '?' || c == '&' || c == '=') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      encoded += buf;
    } else {
      encoded += c;
    }
  }
  return from.Url("/redirect-to?code=" + std::to_string(code) + "&url=" + encoded);
}

bool Has(const std::string& recorded, const std::string& part) {
  return recorded.find(part) != std::string::npos;
}

class RedirectPolicyTest : public ::testing::Test {
 protected:
  FixtureServer origin_;
  FixtureServer other_;  // another port: another origin
  ProbeEngine engine_{ProbeEngine::Options{1}};
};

TEST_F(RedirectPolicyTest, CustomHeadersStayWithTheOrigin) {
  ProbeSpec spec = Spec(RedirectUrl(origin_, 302, other_.Url("/delay/0")));
  spec.headers = {{"X-Api-Key", "secret-123"}};
  ProbeResult r = RunOne(engine_, spec);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(Has(origin_.LastRequest("/redirect-to"), "X-Api-Key: secret-123"));
  ASSERT_EQ(other_.RequestCount("/delay/0"), 1u);
  EXPECT_FALSE(Has(other_.LastRequest("/delay/0"), "secret-123")) << other_.LastRequest("/delay/0");
}

TEST_F(RedirectPolicyTest, CustomHeadersFollowWithinTheOrigin) {
  ProbeSpec spec = Spec(RedirectUrl(origin_, 302, origin_.Url("/delay/0")));
  spec.headers = {{"X-Api-Key", "secret-123"}};
  ASSERT_TRUE(RunOne(engine_, spec).ok);
  EXPECT_TRUE(Has(origin_.LastRequest("/delay/0"), "X-Api-Key: secret-123"));
  // The same prepared probe run again starts with its headers at the origin.
  spec.url = RedirectUrl(origin_, 302, other_.Url("/delay/0"));
  auto probe = std::make_shared<const PreparedProbe>(spec);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(RunPrepared(engine_, probe).ok);
    EXPECT_TRUE(Has(origin_.LastRequest("/redirect-to"), "X-Api-Key: secret-123")) << i;
    EXPECT_FALSE(Has(other_.LastRequest("/delay/0"), "secret-123")) << i;
  }
}

TEST_F(RedirectPolicyTest, BodyIsNotResentToAnotherOriginOn307) {
  for (int code : {307, 308}) {
    ProbeSpec spec = Spec(RedirectUrl(origin_, code, other_.Url("/delay/0")));
    spec.method = "POST";
    spec.body = "token=secret-456";
    ProbeResult r = RunOne(engine_, spec);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(ReasonName(r.reason), "redirect") << r.error;
    EXPECT_EQ(r.error, "redirect " + std::to_string(code) + " to another origin (" +
                           other_.Url("") + ") would re-send the request body; not followed");
  }
  EXPECT_EQ(other_.RequestCount("/delay/0"), 0u);
}

TEST_F(RedirectPolicyTest, BodyIsResentWithinTheOrigin) {
  ProbeSpec spec = Spec(RedirectUrl(origin_, 307, origin_.Url("/delay/0")));
  spec.method = "POST";
  spec.body = "token=secret-456";
  ProbeResult r = RunOne(engine_, spec);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(Has(origin_.LastRequest("/delay/0"), "token=secret-456"));
}

TEST_F(RedirectPolicyTest, SeeOtherToAnotherOriginDropsTheBody) {
  ProbeSpec spec = Spec(RedirectUrl(origin_, 303, other_.Url("/delay/0")));
  spec.method = "POST";
  spec.body = "token=secret-456";
  ASSERT_TRUE(RunOne(engine_, spec).ok);
  EXPECT_FALSE(Has(other_.LastRequest("/delay/0"), "secret-456"));
}

class InsecureRedirectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    dir_ = fs::temp_directory_path() / ("latencyd_redirect_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    pki_ = latencyd::testing::MakeTestPki(dir_.string());
    FixtureServer::Options options;
    options.tls_cert_file = pki_.chain_file;
    options.tls_key_file = pki_.key_file;
    https_ = std::make_unique<FixtureServer>(options);
  }
  void TearDown() override {
    https_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ProbeSpec HttpsToHttp() {
    ProbeSpec spec = Spec(RedirectUrl(*https_, 302, http_.Url("/delay/0")));
    spec.tls.ca_file = pki_.ca_file;
    spec.headers = {{"X-Api-Key", "secret-789"}};
    return spec;
  }

  fs::path dir_;
  latencyd::testing::TestPki pki_;
  std::unique_ptr<FixtureServer> https_;
  FixtureServer http_;
  ProbeEngine engine_{ProbeEngine::Options{1}};
};

TEST_F(InsecureRedirectTest, HttpsToHttpFailsByDefault) {
  ProbeResult r = RunOne(engine_, HttpsToHttp());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(ReasonName(r.reason), "redirect") << r.error;
  EXPECT_EQ(r.error, "redirect from https to " + http_.Url("") +
                         " refused (cleartext; allow_insecure_redirect: true permits it)");
  EXPECT_EQ(https_->RequestCount("/redirect-to"), 1u);
  EXPECT_EQ(http_.RequestCount("/delay/0"), 0u);  // nothing went out in cleartext
}

TEST_F(InsecureRedirectTest, HttpsToHttpWhenAllowedStillKeepsTheHeaders) {
  ProbeSpec spec = HttpsToHttp();
  spec.allow_insecure_redirect = true;
  ProbeResult r = RunOne(engine_, spec);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(http_.RequestCount("/delay/0"), 1u);
  EXPECT_FALSE(Has(http_.LastRequest("/delay/0"), "secret-789"));
}

}  // namespace
}  // namespace latencyd::probes
