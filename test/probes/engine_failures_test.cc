// Every failure reason produced by the engine against real loopback servers.
#include <gtest/gtest.h>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::ClosedPort;
using latencyd::testing::FixtureServer;
using latencyd::testing::RawServer;
using namespace std::chrono_literals;

class EngineFailureTest : public ::testing::Test {
 protected:
  FixtureServer server_;
  ProbeEngine engine_{ProbeEngine::Options{2}};
};

void ExpectFailure(const ProbeResult& r, FailureReason reason, const std::string& error_part) {
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(ReasonName(r.reason), ReasonName(reason)) << r.error;
  EXPECT_NE(r.error.find(error_part), std::string::npos) << r.error;
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
}

TEST_F(EngineFailureTest, RefusedPortIsConnect) {
  ProbeResult r = RunOne(engine_, Spec("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/"));
  ExpectFailure(r, FailureReason::kConnect, "onnect");
  EXPECT_EQ(r.http_status, 0);
}

TEST_F(EngineFailureTest, HangingServerIsTimeout) {
  ProbeSpec spec = Spec(server_.Url("/hang"));
  spec.timeout = 150ms;
  ProbeResult r = RunOne(engine_, spec);
  ExpectFailure(r, FailureReason::kTimeout, "timeout after 150 ms");
  // libcurl checks its deadline in whole milliseconds from its own start, a hair after ours.
  EXPECT_GE(r.total, 148ms);
  EXPECT_LT(r.total, 2s);
  EXPECT_GT(r.phases.ttfb, 100ms);  // the phase in progress takes the rest
}

TEST_F(EngineFailureTest, UnexpectedStatusIsStatus) {
  ProbeResult r = RunOne(engine_, Spec(server_.Url("/status/500")));
  ExpectFailure(r, FailureReason::kStatus, "unexpected HTTP status 500 (expected 200-399)");
  EXPECT_EQ(r.http_status, 500);
}

TEST_F(EngineFailureTest, StatusRangesAreConfigurable) {
  ProbeSpec spec = Spec(server_.Url("/status/404"));
  spec.expect_status = {{200, 299}, {404, 404}};
  EXPECT_TRUE(RunOne(engine_, spec).ok);
  spec.url = server_.Url("/status/302");
  spec.max_redirects = 0;
  ProbeResult r = RunOne(engine_, spec);
  ExpectFailure(r, FailureReason::kStatus, "(expected 200-299, 404)");
}

TEST_F(EngineFailureTest, BodyRegex) {
  ProbeSpec spec = Spec(server_.Url("/body?text=status%3A%20green"));
  spec.body_regex = "status: (green|yellow)";
  EXPECT_TRUE(RunOne(engine_, spec).ok);
  spec.url = server_.Url("/body?text=status%3A%20red");
  ExpectFailure(RunOne(engine_, spec), FailureReason::kBodyMismatch, "body_regex");
}

TEST_F(EngineFailureTest, BodyOverMaxBodyIsTooLarge) {
  ProbeSpec spec = Spec(server_.Url("/bytes/100000"));
  spec.max_body = 1000;
  ProbeResult r = RunOne(engine_, spec);
  ExpectFailure(r, FailureReason::kTooLarge, "max_body (1000 bytes)");
  spec.max_body = 100000;  // exactly max_body is allowed
  ProbeResult exact = RunOne(engine_, spec);
  EXPECT_TRUE(exact.ok) << exact.error;
  EXPECT_EQ(exact.body_bytes, 100000u);
}

TEST_F(EngineFailureTest, MaxBodyCountsDecompressedBytes) {
  ProbeSpec spec = Spec(server_.Url("/gzip/200000"));  // ~1 KB on the wire
  spec.headers = {{"Accept-Encoding", "gzip"}};        // so libcurl decodes the body
  spec.max_body = 100000;
  ExpectFailure(RunOne(engine_, spec), FailureReason::kTooLarge, "max_body");
  spec.max_body = 200000;
  ProbeResult r = RunOne(engine_, spec);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body_bytes, 200000u);
}

TEST_F(EngineFailureTest, HugeHeadersAreTooLarge) {
  RawServer raw(RawServer::Behavior::kHugeHeaders);
  ExpectFailure(RunOne(engine_, Spec(raw.Url("/"))), FailureReason::kTooLarge, "headers");
}

// libcurl refuses a single head line over its own limit (CURL_MAX_HTTP_HEADER, 100 KiB) with
// CURLE_OUT_OF_MEMORY before our header callback sees it: still too_large, not "out of memory".
// A line over libcurl's own limit (100 KiB) is over the 64 KiB head limit too: latencyd's
// client says the latter, libcurl the former; both are too large, neither "out of memory".
TEST_F(EngineFailureTest, HugeHeaderLineIsTooLarge) {
  RawServer raw(RawServer::Behavior::kHugeHeaderLine);
  ProbeResult own = RunOne(engine_, Spec(raw.Url("/")));
  ExpectFailure(own, FailureReason::kTooLarge, "response headers larger than 65536 bytes");
  ProbeResult r = RunOne(engine_, Spec(ViaLibcurl(raw.Url("/"))));
  ExpectFailure(r, FailureReason::kTooLarge, "response head line longer than");
  EXPECT_EQ(r.error.find("memory"), std::string::npos) << r.error;
}

TEST_F(EngineFailureTest, HugeStatusLineIsTooLarge) {
  RawServer raw(RawServer::Behavior::kHugeStatusLine);
  ProbeResult own = RunOne(engine_, Spec(raw.Url("/")));
  ExpectFailure(own, FailureReason::kTooLarge, "response headers larger than 65536 bytes");
  ProbeResult r = RunOne(engine_, Spec(ViaLibcurl(raw.Url("/"))));
  ExpectFailure(r, FailureReason::kTooLarge, "response head line longer than");
}

TEST_F(EngineFailureTest, RedirectLoopIsOther) {
  ProbeResult r = RunOne(engine_, Spec(server_.Url("/redirect-loop")));
  ExpectFailure(r, FailureReason::kOther, "too many redirects (redirect loop?), limit 5");
  // latencyd's client's request, which met the first redirect and handed the probe to
  // libcurl; then libcurl's first request and 5 follows.
  EXPECT_EQ(server_.RequestCount("/redirect-loop"), 7u);
}

TEST_F(EngineFailureTest, RedirectToFtpIsOther) {
  ExpectFailure(RunOne(engine_, Spec(server_.Url("/redirect-ftp"))), FailureReason::kOther,
                "unsupported protocol");
}

TEST_F(EngineFailureTest, NonHttpSchemeIsOther) {
  ExpectFailure(RunOne(engine_, Spec("ftp://127.0.0.1/")), FailureReason::kOther,
                "unsupported protocol");
  ExpectFailure(RunOne(engine_, Spec("file:///etc/passwd")), FailureReason::kOther,
                "unsupported protocol");
}

TEST_F(EngineFailureTest, ResetAfterRequestIsReset) {
  RawServer raw(RawServer::Behavior::kResetAfterRequest);
  ExpectFailure(RunOne(engine_, Spec(raw.Url("/"))), FailureReason::kReset, "connection reset");
}

TEST_F(EngineFailureTest, CloseWithoutResponseIsReset) {
  RawServer raw(RawServer::Behavior::kCloseWithoutResponse);
  ExpectFailure(RunOne(engine_, Spec(raw.Url("/"))), FailureReason::kReset,
                "connection closed without a response");
}

TEST_F(EngineFailureTest, TruncatedBodyIsReset) {
  RawServer raw(RawServer::Behavior::kTruncatedBody);
  ProbeResult r = RunOne(engine_, Spec(raw.Url("/")));
  ExpectFailure(r, FailureReason::kReset, "before the body was complete");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body_bytes, 10u);
}

TEST_F(EngineFailureTest, SilentPeerIsTimeout) {
  RawServer raw(RawServer::Behavior::kSilent);
  ProbeSpec spec = Spec(raw.Url("/"));
  spec.timeout = std::chrono::milliseconds(100);
  ExpectFailure(RunOne(engine_, spec), FailureReason::kTimeout, "timeout after 100 ms");
  EXPECT_EQ(raw.connections(), 1u);
}

TEST_F(EngineFailureTest, GarbageIsOther) {
  RawServer raw(RawServer::Behavior::kGarbage);
  ExpectFailure(RunOne(engine_, Spec(raw.Url("/"))), FailureReason::kOther, "");
}

TEST_F(EngineFailureTest, UnresolvableNameIsDns) {
  ProbeResult r = RunOne(engine_, Spec("http://nonexistent.invalid/"));
  ExpectFailure(r, FailureReason::kDns, "resolve");
}

TEST_F(EngineFailureTest, FollowsRedirectsWithinLimit) {
  ProbeResult r = RunOne(engine_, Spec(server_.Url("/redirect/3")));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
  ProbeSpec off = Spec(server_.Url("/redirect/3"));
  off.max_redirects = 0;
  ProbeResult not_followed = RunOne(engine_, off);
  EXPECT_TRUE(not_followed.ok) << not_followed.error;  // 302 is within 200-399
  EXPECT_EQ(not_followed.http_status, 302);
}

}  // namespace
}  // namespace latencyd::probes
