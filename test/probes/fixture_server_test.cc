// The shared fixture servers (test/support) behave as documented, including prompt shutdown.
#include "test/support/fixture_server.h"

#include <gtest/gtest.h>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::FixtureServer;
using namespace std::chrono_literals;

TEST(FixtureServerTest, NamedRoutesChangeWhileRunning) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec spec = Spec(server.Url("/r/api"));
  EXPECT_EQ(RunOne(engine, spec).http_status, 404);
  server.SetRoute("api", 0us);
  EXPECT_EQ(RunOne(engine, spec).http_status, 200);
  server.SetRoute("api", 30ms, 503);
  ProbeResult slow = RunOne(engine, spec);
  EXPECT_EQ(slow.http_status, 503);
  EXPECT_GE(slow.phases.ttfb, 30ms);
  EXPECT_EQ(server.RequestCount("/r/api"), 3u);
  EXPECT_EQ(server.RequestCount("/r/other"), 0u);
}

TEST(FixtureServerTest, Routes) {
  FixtureServer server;
  ProbeEngine engine({1});
  EXPECT_EQ(RunOne(engine, Spec(server.Url("/status/418"))).http_status, 418);
  EXPECT_EQ(RunOne(engine, Spec(server.Url("/bytes/12345"))).body_bytes, 12345u);
  ProbeSpec gzip = Spec(server.Url("/gzip/5000"));
  gzip.headers = {{"Accept-Encoding", "gzip"}};
  EXPECT_EQ(RunOne(engine, gzip).body_bytes, 5000u);
  ProbeSpec body = Spec(server.Url("/body?text=hello%20world"));
  body.body_regex = "^hello world$";
  EXPECT_TRUE(RunOne(engine, body).ok);
  ProbeSpec redirect = Spec(server.Url("/redirect/2"));
  redirect.max_redirects = 0;
  EXPECT_EQ(RunOne(engine, redirect).http_status, 302);
  EXPECT_NE(server.Url("/x").find("http://127.0.0.1:"), std::string::npos);
  EXPECT_GT(server.port(), 0);
}

TEST(FixtureServerTest, DestructorReturnsPromptlyWithHangingAndIdleConnections) {
  ProbeEngine engine({1});
  auto server = std::make_unique<FixtureServer>();
  ProbeSpec idle = Spec(server->Url("/delay/0"));
  idle.keepalive = true;  // leaves an idle keep-alive connection in the engine's cache
  ASSERT_TRUE(RunOne(engine, idle).ok);
  ProbeSpec hang = Spec(server->Url("/hang"));
  hang.timeout = 30s;
  auto hung = SubmitOne(engine, hang);
  auto until = std::chrono::steady_clock::now() + kTestDeadline;
  while (server->ActiveRequests() < 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  ASSERT_EQ(server->ActiveRequests(), 1);
  auto t0 = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ProbeResult r = Await(hung);  // the hanging request fails once the server is gone
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace latencyd::probes
