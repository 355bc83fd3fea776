// HTTPS probes against nginx on loopback: the trust store is read once, the HTTP version and
// TLS resumption are what the server saw, and the certificate facts are the test PKI's.
#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "probes/probe_engine.h"
#include "probes/trust_store.h"
#include "test/probes/https_fixture.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"
#include "test/support/raw_server.h"

namespace latencyd::probes {
namespace {

// Counts the opens of one file (inotify IN_OPEN), whoever opens it. Closes are watched too:
// inotify merges identical events in a row, and an open-close-open sequence has none.
class OpenCounter {
 public:
  explicit OpenCounter(const std::string& path) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    EXPECT_GE(fd_, 0);
    EXPECT_GE(inotify_add_watch(fd_, path.c_str(), IN_OPEN | IN_CLOSE), 0);
  }
  ~OpenCounter() { ::close(fd_); }
  // Opens since the last call.
  int Take() {
    int opens = 0;
    alignas(inotify_event) char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) return opens;
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
        if (ev->mask & IN_OPEN) ++opens;
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
  }

 private:
  int fd_;
};

using HttpsTest = HttpsFixture;

ProbeSpec HttpsSpec(const std::string& url, const std::string& ca_file) {
  ProbeSpec spec = Spec(url);
  spec.tls.ca_file = ca_file;
  return spec;
}

TEST_F(HttpsTest, CaFileIsReadOnceForManyProbesOnSeveralLoopsUntilItChanges) {
  // A copy of the system bundle plus the test root: a large store, as in production.
  const std::string bundle = (dir_ / "bundle.pem").string();
  {
    std::ofstream out(bundle);
    out << std::ifstream("/etc/ssl/certs/ca-certificates.crt").rdbuf()
        << std::ifstream(pki_.ca_file).rdbuf();
  }
  OpenCounter opens(bundle);
  ProbeEngine engine(ProbeEngine::Options{2});
  Collector results;
  for (int i = 0; i < 20; ++i) {
    engine.Submit(std::make_shared<const PreparedProbe>(HttpsSpec(server_->Url("/"), bundle)),
                  static_cast<std::uint64_t>(i), results.Callback());
  }
  ASSERT_TRUE(results.WaitFor(20));
  for (const ProbeResult& r : results.results()) ASSERT_TRUE(r.ok) << r.error;
  EXPECT_LE(opens.Take(), 1) << "the CA file was read again for later handshakes";

  // A changed file (here: rewritten, so its modification time and size change) is read again
  // once, by the next handshake.
  {
    std::ofstream out(bundle, std::ios::app);
    out << "\n";
  }
  opens.Take();  // our own write
  for (int i = 0; i < 5; ++i) {
    ProbeResult r = RunOne(engine, HttpsSpec(server_->Url("/"), bundle), i);
    ASSERT_TRUE(r.ok) << r.error;
  }
  EXPECT_EQ(opens.Take(), 1);
}

TEST_F(HttpsTest, DefaultSystemStoreIsBuiltOnce) {
  ProbeEngine engine(ProbeEngine::Options{2});
  RunOne(engine, HttpsSpec(server_->Url("/"), ""));
  const unsigned long builds = TrustStoreCache::Instance().builds();
  for (int i = 0; i < 6; ++i) {
    // The test root is not in the system store: the handshake fails on verification, after
    // the store was used.
    ProbeResult r = RunOne(engine, HttpsSpec(server_->Url("/"), ""), i);
    EXPECT_EQ(ReasonName(r.reason), "tls") << r.error;
  }
  EXPECT_EQ(TrustStoreCache::Instance().builds(), builds);
}

TEST_F(HttpsTest, MissingCaFileFailsAsTlsWithTheReason) {
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeResult r = RunOne(engine, HttpsSpec(server_->Url("/"), (dir_ / "nope.pem").string()));
  EXPECT_EQ(ReasonName(r.reason), "tls");
  EXPECT_NE(r.error.find("nope.pem"), std::string::npos) << r.error;
}

TEST_F(HttpsTest, FailedHandshakeIsChargedToTlsNotConnect) {
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = HttpsSpec(server_->Url("/"), pki_.ca_file);
  spec.tls.server_name = "wrong.example";  // the certificate does not name it
  RunOne(engine, spec);                    // the first run builds the store
  ProbeResult r = RunOne(engine, spec);
  ASSERT_EQ(ReasonName(r.reason), "tls") << r.error;
  EXPECT_GT(r.phases.tls, std::chrono::nanoseconds(0));
  // connect is the TCP part only: on loopback far less than the handshake's certificate work.
  EXPECT_LT(r.phases.connect, r.phases.tls);
  EXPECT_EQ(r.phases.ttfb + r.phases.transfer, std::chrono::nanoseconds(0));
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
}

// What the server saw on the wire, from nginx's $server_protocol.
ProbeResult ProbeExpecting(ProbeEngine& engine, ProbeSpec spec, const std::string& body_regex) {
  spec.body_regex = body_regex;
  return RunOne(engine, std::move(spec));
}

TEST_F(HttpsTest, HttpVersionDefaultsTo11EvenWhenTheServerOffersH2) {
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeResult r =
      ProbeExpecting(engine, HttpsSpec(server_->Url("/"), pki_.ca_file), "protocol=HTTP/1\\.1 ");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_version, "1.1");
}

TEST_F(HttpsTest, HttpVersion2AndAutoSpeakH2WhenOffered) {
  ProbeEngine engine(ProbeEngine::Options{1});
  for (HttpVersion version : {HttpVersion::k2, HttpVersion::kAuto}) {
    ProbeSpec spec = HttpsSpec(server_->Url("/"), pki_.ca_file);
    spec.http_version = version;
    ProbeResult r = ProbeExpecting(engine, spec, "protocol=HTTP/2\\.0 ");
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.http_version, "2");
  }
}

TEST_F(HttpsTest, FreshConnectionsMakeAFullHandshakeEveryTimeByDefault) {
  ProbeEngine engine(ProbeEngine::Options{1});
  auto probe = std::make_shared<const PreparedProbe>([&] {
    ProbeSpec spec = HttpsSpec(server_->Url("/"), pki_.ca_file);
    spec.body_regex = "reused=\\.";  // nginx: "." is a full handshake
    return spec;
  }());
  for (int i = 0; i < 3; ++i) {
    ProbeResult r = RunPrepared(engine, probe);
    EXPECT_TRUE(r.ok) << "probe " << i << ": " << r.error;
    EXPECT_FALSE(r.tls_session_reused);
    EXPECT_FALSE(r.connection_reused);
  }
}

TEST_F(HttpsTest, SessionReuseResumesTheSessionOnLaterFreshConnections) {
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = HttpsSpec(server_->Url("/"), pki_.ca_file);
  spec.tls.session_reuse = true;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  ProbeResult first = RunPrepared(engine, probe);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_FALSE(first.tls_session_reused);
  spec.body_regex = "reused=r";  // nginx: the session was resumed
  auto resumed = std::make_shared<const PreparedProbe>(spec);
  for (int i = 0; i < 3; ++i) {
    ProbeResult r = RunPrepared(engine, resumed);
    EXPECT_TRUE(r.ok) << "probe " << i << ": " << r.error;
    EXPECT_TRUE(r.tls_session_reused);
    EXPECT_FALSE(r.connection_reused);  // still a fresh TCP connection
  }
}

TEST_F(HttpsTest, CertificateFactsAreThoseOfThePresentedChain) {
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeResult r = RunOne(engine, HttpsSpec(server_->Url("/"), pki_.ca_file));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.tls_version, "TLSv1.3");
  // The intermediate expires before the leaf: the earliest of the chain is reported.
  ASSERT_LT(pki_.intermediate_not_after, pki_.leaf_not_after);
  EXPECT_EQ(r.cert_not_after_unix, static_cast<double>(pki_.intermediate_not_after));
}

TEST_F(HttpsTest, PlainHttpHasNoTlsFacts) {
  latencyd::testing::FixtureServer plain;
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeResult r = RunOne(engine, Spec(plain.Url("/delay/0")));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.tls_version, "");
  EXPECT_TRUE(std::isnan(r.cert_not_after_unix));
}

TEST(HttpsTimeoutTest, TimeoutInsideTheHandshakeIsChargedToTls) {
  latencyd::testing::RawServer silent(latencyd::testing::RawServer::Behavior::kSilent);
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec("https://127.0.0.1:" + std::to_string(silent.port()) + "/");
  spec.timeout = std::chrono::milliseconds(300);
  ProbeResult r = RunOne(engine, spec);
  ASSERT_EQ(ReasonName(r.reason), "timeout") << r.error;
  EXPECT_GE(r.phases.tls, std::chrono::milliseconds(250));
  EXPECT_LT(r.phases.connect, std::chrono::milliseconds(100));
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
}

}  // namespace
}  // namespace latencyd::probes
