// The probe engine's successes, timings, connection reuse, isolation, stopping and concurrency,
// against real loopback servers.
#include <gtest/gtest.h>

#include <atomic>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"
#include "test/support/sanitizer_slowdown.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::FixtureServer;
using namespace std::chrono_literals;

TEST(EngineTest, SuccessPhasesAddUpAndTtfbIsTheServerDelay) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeResult r = RunOne(engine, Spec(server.Url("/delay/20000")));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reason, FailureReason::kNone);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body_bytes, 2u);
  EXPECT_FALSE(r.connection_reused);
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
  EXPECT_EQ(r.phases.dns, 0ns);  // an IP literal is not resolved
  EXPECT_EQ(r.phases.tls, 0ns);  // plain HTTP
  EXPECT_GE(r.phases.ttfb, 20ms);
  // Only catches a ttfb that includes something else; TSan's first request took ~600 ms here.
  EXPECT_LE(r.phases.ttfb, 200ms * latencyd::testing::kSanitizerSlowdown);
  EXPECT_GE(r.total, 20ms);
  EXPECT_LE(r.started, std::chrono::steady_clock::now());
  EXPECT_LE(r.finished_wall, std::chrono::system_clock::now());
}

TEST(EngineTest, KeepaliveReusesTheConnectionAndFreshDoesNot) {
  FixtureServer server;
  ProbeEngine engine({2});
  ProbeSpec spec = Spec(server.Url("/delay/0"));
  spec.keepalive = true;
  ProbeResult first = RunOne(engine, spec, 7);
  ProbeResult second = RunOne(engine, spec, 7);  // same affinity: same loop, same cache
  ASSERT_TRUE(first.ok && second.ok) << first.error << second.error;
  EXPECT_FALSE(first.connection_reused);
  EXPECT_TRUE(second.connection_reused);
  EXPECT_EQ(second.phases.dns + second.phases.connect + second.phases.tls, 0ns);
  EXPECT_EQ(SumOfPhases(second.phases), second.total);
  int own_clock_readings = 0;
  for (int i = 0; i < 8; ++i) {  // the fixture keeps connections open past 5 requests
    const ProbeResult reused = RunOne(engine, spec, 7);
    EXPECT_TRUE(reused.connection_reused) << i;
    EXPECT_EQ(reused.total, reused.phases.ttfb + reused.phases.transfer) << i;
    // latencyd's own steady-clock readings (from the request on, phases.h) have nanoseconds;
    // libcurl's totals are whole microseconds.
    own_clock_readings += reused.total % std::chrono::microseconds(1) != 0ns;
  }
  EXPECT_GT(own_clock_readings, 0) << "reused connections are timed from the request";

  spec.keepalive = false;
  ProbeResult fresh1 = RunOne(engine, spec, 7);
  ProbeResult fresh2 = RunOne(engine, spec, 7);
  EXPECT_FALSE(fresh1.connection_reused);
  EXPECT_FALSE(fresh2.connection_reused);
  EXPECT_GT(fresh2.phases.connect, 0ns);
}

TEST(EngineTest, MethodHeadersAndBodyReachTheServer) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec spec = Spec(server.Url("/echo"));
  spec.method = "PUT";
  spec.headers = {{"X-Probe", "latencyd"}, {"Content-Type", "application/json"}};
  spec.body = R"({"ping":1})";
  spec.body_regex = R"(^PUT\n[\s\S]*X-Probe: latencyd\n[\s\S]*\n\{"ping":1\}$)";
  ProbeResult r = RunOne(engine, spec);
  EXPECT_TRUE(r.ok) << r.error;

  ProbeSpec post = Spec(server.Url("/echo"));
  post.method = "POST";
  post.body = "a=b";
  post.body_regex = "^POST\n[\\s\\S]*\na=b$";
  EXPECT_TRUE(RunOne(engine, post).ok);

  ProbeSpec head = Spec(server.Url("/delay/0"));
  head.method = "HEAD";
  ProbeResult h = RunOne(engine, head);
  EXPECT_TRUE(h.ok) << h.error;
  EXPECT_EQ(h.body_bytes, 0u);
}

TEST(EngineTest, ARerunProbeSendsTheSameRequestOnItsOwnHandle) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec put_spec = Spec(server.Url("/echo"));
  put_spec.method = "PUT";
  put_spec.headers = {{"X-Probe", "latencyd"}};
  put_spec.body = "payload";
  put_spec.body_regex = "^PUT\n[\\s\\S]*X-Probe: latencyd\n[\\s\\S]*\npayload$";
  auto put = std::make_shared<const PreparedProbe>(put_spec);
  ProbeSpec get_spec = Spec(server.Url("/echo"));
  get_spec.body_regex = "^GET\n(?![\\s\\S]*X-Probe)[\\s\\S]*\n\n$";  // no header, no body
  auto get = std::make_shared<const PreparedProbe>(get_spec);

  for (int i = 0; i < 3; ++i) {  // the same probe again and again: its handle as it was
    ProbeResult r = RunPrepared(engine, put);
    EXPECT_TRUE(r.ok) << i << ": " << r.error;
  }
  for (int i = 0; i < 3; ++i) {  // alternating: the handle moves between probes and is reset
    ProbeResult g = RunPrepared(engine, get);
    EXPECT_TRUE(g.ok) << i << ": " << g.error;
    ProbeResult p = RunPrepared(engine, put);
    EXPECT_TRUE(p.ok) << i << ": " << p.error;
  }
  EXPECT_EQ(server.RequestCount("/echo"), 9u);
}

TEST(EngineTest, AShortenedDeadlineDoesNotStickToTheProbesHandle) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec spec = Spec(server.Url("/delay/1500000"));
  spec.timeout = 2s;
  auto slow = std::make_shared<const PreparedProbe>(spec);
  // At least half the timeout left (less would skip the probe), but less than the delay.
  ProbeResult cut = RunPrepared(engine, slow, std::chrono::steady_clock::now() + 1100ms);
  EXPECT_EQ(cut.reason, FailureReason::kTimeout) << cut.error;
  ProbeResult full = RunPrepared(engine, slow);  // the spec's 2 s timeout again
  EXPECT_TRUE(full.ok) << full.error;
}

// The handle remembers where the last run was redirected to; the next run of the same probe
// (same handle, no reset) must start again from the configured URL.
TEST(EngineTest, ARedirectedProbeRerunStartsFromItsOwnUrl) {
  FixtureServer server;
  ProbeEngine engine({1});
  auto probe = std::make_shared<const PreparedProbe>(Spec(server.Url("/redirect/2")));
  for (int i = 0; i < 3; ++i) {
    ProbeResult r = RunPrepared(engine, probe);
    EXPECT_TRUE(r.ok) << i << ": " << r.error;
  }
  // One more: latencyd's own client ran the first, met the redirect and handed it to libcurl,
  // which runs this probe from then on.
  EXPECT_EQ(server.RequestCount("/redirect/2"), 4u);
  EXPECT_EQ(server.RequestCount("/redirect/1"), 3u);
  EXPECT_EQ(server.RequestCount("/redirect/0"), 3u);
}

TEST(EngineTest, AsksForNoEncodingUnlessConfigured) {
  // A server that compresses when asked would add its compression time to every probe.
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec plain = Spec(server.Url("/echo"));
  plain.body_regex = "^GET\n";
  ProbeResult r = RunOne(engine, plain);
  ASSERT_TRUE(r.ok) << r.error;
  plain.body_regex = "Accept-Encoding";
  EXPECT_EQ(RunOne(engine, plain).reason, FailureReason::kBodyMismatch);

  ProbeSpec gzip = Spec(server.Url("/echo"));
  gzip.headers = {{"accept-encoding", "gzip"}};
  gzip.body_regex = "Accept-Encoding: gzip\n";
  ProbeResult asked = RunOne(engine, gzip);
  EXPECT_TRUE(asked.ok) << asked.error;
}

TEST(EngineTest, RedirectsAreSummedOverHops) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeResult r = RunOne(engine, Spec(server.Url("/redirect/3")));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.RequestCount("/redirect/0"), 1u);
  EXPECT_EQ(SumOfPhases(r.phases), r.total);
  EXPECT_GT(r.phases.connect, 0ns);
}

TEST(EngineTest, HungEndpointDoesNotDelayOthersOnTheSameLoop) {
  FixtureServer server;
  ProbeEngine engine({1});
  ProbeSpec hang = Spec(server.Url("/hang"));
  hang.timeout = 30s;
  auto hung = SubmitOne(engine, hang);
  Collector fast;
  auto probe = std::make_shared<const PreparedProbe>(Spec(server.Url("/delay/1000")));
  for (int i = 0; i < 20; ++i) engine.Submit(probe, 0, fast.Callback());
  ASSERT_TRUE(fast.WaitFor(20));
  for (const ProbeResult& r : fast.results()) EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(hung.wait_for(0s), std::future_status::timeout);  // still in flight
  EXPECT_EQ(engine.in_flight(), 1u);
}

TEST(EngineTest, StopAbortsInFlightProbesPromptlyWithoutCallbacks) {
  FixtureServer server;
  ProbeEngine engine({2});
  std::atomic<int> callbacks{0};
  ProbeSpec hang = Spec(server.Url("/hang"));
  hang.timeout = 60s;
  auto probe = std::make_shared<const PreparedProbe>(hang);
  for (int i = 0; i < 10; ++i) engine.Submit(probe, i, [&](const ProbeResult&) { ++callbacks; });
  // Wait (bounded) until the server holds all of them, so they are really in flight.
  auto until = std::chrono::steady_clock::now() + kTestDeadline;
  while (server.ActiveRequests() < 10 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  ASSERT_EQ(server.ActiveRequests(), 10);
  auto t0 = std::chrono::steady_clock::now();
  engine.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);  // typically a few ms
  EXPECT_EQ(callbacks.load(), 0);
  EXPECT_EQ(engine.in_flight(), 0u);
  engine.Stop();                                                      // idempotent
  engine.Submit(probe, 0, [&](const ProbeResult&) { ++callbacks; });  // dropped
  EXPECT_EQ(callbacks.load(), 0);
}

TEST(EngineTest, FiveHundredProbesInFlightAtOnceComplete) {
  FixtureServer server;
  ProbeEngine engine({2});
  ProbeSpec spec = Spec(server.Url("/delay/50000"));
  spec.timeout = 15s;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  Collector done;
  for (int i = 0; i < 500; ++i) engine.Submit(probe, i, done.Callback());
  EXPECT_GT(engine.in_flight(), 0u);
  ASSERT_TRUE(done.WaitFor(500));
  int ok = 0;
  for (const ProbeResult& r : done.results()) ok += r.ok ? 1 : 0;
  EXPECT_EQ(ok, 500);
  EXPECT_EQ(server.RequestCount("/delay/50000"), 500u);
  EXPECT_EQ(engine.in_flight(), 0u);
}

TEST(EngineTest, CallbacksMaySubmitAgain) {
  FixtureServer server;
  ProbeEngine engine({1});
  auto probe = std::make_shared<const PreparedProbe>(Spec(server.Url("/delay/0")));
  std::promise<int> finished;
  std::atomic<int> count{0};
  std::function<void(const ProbeResult&)> again = [&](const ProbeResult&) {
    if (++count == 5) return finished.set_value(count);
    engine.Submit(probe, 0, again);
  };
  engine.Submit(probe, 0, again);
  auto f = finished.get_future();
  ASSERT_EQ(f.wait_for(kTestDeadline), std::future_status::ready);
  EXPECT_EQ(f.get(), 5);
}

// The scheduler's chain: each probe's callback submits the endpoint's next probe for a later
// slot, on the loop's own thread. The loop must wake for it on time, not at the end of its
// idle sleep (up to 30 s), although nothing else wakes it.
TEST(EngineTest, ACallbacksDelayedSubmissionStartsOnTime) {
  FixtureServer server;
  ProbeEngine engine({1});
  auto probe = std::make_shared<const PreparedProbe>(Spec(server.Url("/delay/0")));
  std::promise<void> finished;
  std::vector<Duration> lateness;  // the loop thread only, until `finished`
  std::function<void(SteadyTime)> submit_at = [&](SteadyTime start_at) {
    engine.SubmitAt(
        start_at, probe, 0,
        [&, start_at](const ProbeResult& r) {
          EXPECT_TRUE(r.ok) << r.error;
          lateness.push_back(r.started - start_at);
          if (lateness.size() == 6) return finished.set_value();
          submit_at(std::chrono::steady_clock::now() + 30ms);
        },
        SteadyTime::max(), nullptr);
  };
  submit_at(std::chrono::steady_clock::now() + 30ms);
  ASSERT_EQ(finished.get_future().wait_for(kTestDeadline), std::future_status::ready);
  for (Duration late : lateness) {
    const double late_ms = std::chrono::duration<double, std::milli>(late).count();
    EXPECT_GE(late_ms, 0);    // never before its time
    EXPECT_LT(late_ms, 500);  // typically under 1 ms; a missed wake-up: up to 30 000
  }
}

TEST(EngineTest, AnIdleLoopSleepsButReadsAsAlive) {
  ProbeEngine engine({3});
  EXPECT_EQ(engine.workers(), 3);
  // Once all three loops sleep (for up to 30 s), their heartbeats read as the time of the
  // call. A heartbeat stamped only by turns would always be older than that.
  auto age_ms = [&] {
    const SteadyTime asked_at = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::milli>(asked_at - engine.OldestHeartbeat()).count();
  };
  // The age that ended the wait is the one judged: a loop may still take a short nap and a
  // turn after it starts (libcurl's first timer), so a second reading could catch that turn.
  const auto until = std::chrono::steady_clock::now() + kTestDeadline;
  double age = age_ms();
  while (age > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
    age = age_ms();
  }
  EXPECT_LE(age, 0);
}

TEST(EngineTest, ALoopStuckInACallbackFallsBehind) {
  FixtureServer server;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<SteadyTime> entered;
  ProbeEngine engine({1});
  // Frees the callback however the test ends (before the engine stops: it joins the loop).
  std::unique_ptr<std::promise<void>, void (*)(std::promise<void>*)> free_on_exit(
      &release, [](std::promise<void>* p) { p->set_value(); });
  engine.Submit(std::make_shared<const PreparedProbe>(Spec(server.Url("/delay/0"))), 0,
                [&](const ProbeResult&) {
                  entered.set_value(std::chrono::steady_clock::now());
                  released.wait();  // stands for a callback that never returns
                });
  auto entered_at = entered.get_future();
  ASSERT_EQ(entered_at.wait_for(kTestDeadline), std::future_status::ready);
  const SteadyTime stuck_since = entered_at.get();
  // Bounded wait: the heartbeat must stay at or before the callback's start however long
  // the callback runs.
  const auto until = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_LE(engine.OldestHeartbeat(), stuck_since);
    std::this_thread::sleep_for(20ms);
  }
  free_on_exit.reset();
  // Once free, the loop goes back to sleep and reads as alive again.
  const auto deadline = std::chrono::steady_clock::now() + kTestDeadline;
  while (engine.OldestHeartbeat() <= stuck_since && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GT(engine.OldestHeartbeat(), stuck_since + 500ms);
}

TEST(EngineTest, NullProbeFailsWithOtherInsteadOfCrashing) {
  ProbeEngine engine({1});
  std::promise<ProbeResult> promise;
  engine.Submit(nullptr, 0, [&](const ProbeResult& r) { promise.set_value(r); });
  auto f = promise.get_future();
  ASSERT_EQ(f.wait_for(kTestDeadline), std::future_status::ready);
  ProbeResult r = f.get();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, FailureReason::kOther);
}

TEST(EngineTest, DefaultWorkersIsOnePerCore) {
  ProbeEngine engine({});
  EXPECT_GE(engine.workers(), 1);
}

}  // namespace
}  // namespace latencyd::probes
