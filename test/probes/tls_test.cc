// HTTPS probes against a FixtureServer presenting the test PKI's chain (needs openssl).
#include <gtest/gtest.h>
#include <unistd.h>

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

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    dir_ = fs::temp_directory_path() / ("latencyd_tls_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    pki_ = latencyd::testing::MakeTestPki(dir_.string());
    FixtureServer::Options options;
    options.tls_cert_file = pki_.chain_file;
    options.tls_key_file = pki_.key_file;
    server_ = std::make_unique<FixtureServer>(options);
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path dir_;
  latencyd::testing::TestPki pki_;
  std::unique_ptr<FixtureServer> server_;
  ProbeEngine engine_{ProbeEngine::Options{1}};
};

TEST_F(TlsTest, TrustedCertificateSucceedsWithATlsPhase) {
  ProbeSpec spec = Spec(server_->Url("/delay/0"));
  ASSERT_EQ(spec.url.rfind("https://", 0), 0u);
  spec.tls.ca_file = pki_.ca_file;
  ProbeResult r = RunOne(engine_, spec);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.phases.tls, std::chrono::nanoseconds(0));
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
}

TEST_F(TlsTest, UntrustedCertificateIsTls) {
  ProbeSpec spec = Spec(server_->Url("/delay/0"));
  spec.tls.ca_file = "";
  ProbeResult r = RunOne(engine_, spec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(ReasonName(r.reason), "tls") << r.error;
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
}

TEST_F(TlsTest, InsecureSkipVerifySucceeds) {
  ProbeSpec spec = Spec(server_->Url("/delay/0"));
  spec.tls.insecure_skip_verify = true;
  ProbeResult r = RunOne(engine_, spec);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST_F(TlsTest, ServerNameIsVerifiedInsteadOfTheUrlHost) {
  ProbeSpec spec = Spec(server_->Url("/echo"));
  spec.tls.ca_file = pki_.ca_file;
  spec.tls.server_name = "localhost";
  spec.body_regex = "Host: 127\\.0\\.0\\.1:";  // the Host header keeps the URL's host
  ProbeResult good = RunOne(engine_, spec);
  EXPECT_TRUE(good.ok) << good.error;
  spec.tls.server_name = "wrong.example";
  ProbeResult bad = RunOne(engine_, spec);
  EXPECT_EQ(ReasonName(bad.reason), "tls") << bad.error;
}

TEST_F(TlsTest, HttpVersion2FailsWhenTheServerSpeaksOnly11) {
  ProbeSpec spec = Spec(server_->Url("/delay/0"));
  spec.tls.ca_file = pki_.ca_file;
  spec.http_version = HttpVersion::k2;
  ProbeResult r = RunOne(engine_, spec);
  EXPECT_EQ(ReasonName(r.reason), "other");
  EXPECT_NE(r.error.find("not HTTP/2"), std::string::npos) << r.error;
  EXPECT_EQ(r.http_version, "1.1");
}

}  // namespace
}  // namespace latencyd::probes
