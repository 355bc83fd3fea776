// The monitor (engine, scheduler, windows, judgement) probing real loopback servers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "config/config.h"
#include "daemon/schedule/monitor.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using testing::FixtureServer;
using testing::WaitFor;

const EndpointSnapshot* Find(const DaemonSnapshot& snapshot, const std::string& name) {
  for (const auto& endpoint : snapshot.endpoints) {
    if (endpoint.name == name) return &endpoint;
  }
  return nullptr;
}

std::uint64_t Failures(const EndpointSnapshot& e, probes::FailureReason reason) {
  return e.failures_by_reason[static_cast<int>(reason)];
}

class MonitorTest : public ::testing::Test {
 protected:
  // Every endpoint of `config` has at least `samples` results (successes or failures).
  bool WaitForResults(Monitor& monitor, std::uint64_t samples) {
    return WaitFor([&] {
      DaemonSnapshot snapshot = monitor.Snapshot();
      return std::all_of(snapshot.endpoints.begin(), snapshot.endpoints.end(),
                         [&](const auto& e) { return e.successes + e.failures >= samples; });
    });
  }
  FixtureServer server_;
};

// Tests that measure latency itself (medians within a few ms of the server's delay, probes of a
// 200 us route within a 20 ms timeout). A sanitizer build's 5-15x slowdown is what they would
// then measure, so scripts/test-sanitizers.sh leaves the *TimingTest suites out; the plain
// stage runs them.
class MonitorTimingTest : public MonitorTest {};

TEST_F(MonitorTimingTest, MediansAndBreachesAgainstKnownDelays) {
  std::string yaml = R"(
defaults: { interval: 50ms, window: 1m }
endpoints:
  - { name: core_fast, url: ")" +
                     server_.Url("/delay/1000") + R"(", class: core }
  - { name: core_slow, url: ")" +
                     server_.Url("/delay/9000") + R"(", class: core }
  - { name: async_fast, url: ")" +
                     server_.Url("/delay/40000") + R"(", class: async, interval: 200ms }
  - { name: async_slow, url: ")" +
                     server_.Url("/delay/140000") + R"(", class: async, interval: 200ms }
)";
  Monitor monitor(Monitor::Options{2});
  monitor.Apply(config::ParseConfig(yaml, "integration.yml"));
  // The breach detector needs at least ceil(9 / ln(0.7 / 0.4)) = 17 slow samples to flip.
  ASSERT_TRUE(WaitForResults(monitor, 30));
  DaemonSnapshot snapshot = monitor.Snapshot();

  struct Want {
    std::string name;
    double delay;
    bool breached;
  };
  for (const Want& want : {Want{"core_fast", 0.001, false}, Want{"core_slow", 0.009, true},
                           Want{"async_fast", 0.040, false}, Want{"async_slow", 0.140, true}}) {
    const EndpointSnapshot* e = Find(snapshot, want.name);
    ASSERT_NE(e, nullptr) << want.name;
    // A shared CI machine can stall a probe past its deadline now and then; such a probe is
    // a timeout, in the window at its deadline, which moves the median by half a rank at most.
    EXPECT_EQ(Failures(*e, probes::FailureReason::kTimeout), e->failures) << e->last_error;
    EXPECT_LE(e->failures * 10, e->successes) << want.name << ": " << e->last_error;
    // The median is at least the server's delay and, on loopback, close above it (the margin
    // allows for a busy CI machine oversleeping the fixture's delay).
    double median = e->duration.quantiles.front().seconds;
    EXPECT_EQ(e->duration.quantiles.front().quantile, 0.5);
    EXPECT_GE(median, want.delay) << want.name;
    EXPECT_LT(median, want.delay * 1.15 + 0.003) << want.name;
    EXPECT_EQ(e->judged_seconds, median) << want.name;
    EXPECT_EQ(e->breached, want.breached) << want.name;
    EXPECT_EQ(e->threshold_seconds, e->class_name == "core" ? 0.005 : 0.1);
  }
}

TEST_F(MonitorTest, EveryFailureReasonIsProduced) {
  testing::RawServer reset(testing::RawServer::Behavior::kResetAfterRequest);
  // /hang on its own server, so its stuck requests hold none of server_'s handler threads; a
  // 1 s timeout, so only the hung endpoint times out even in a sanitizer build on a loaded
  // machine (with 100 ms, TSan turned the 500, the mismatch and the large body into timeouts).
  FixtureServer hung_server;
  std::string yaml = R"(
defaults: { interval: 1s, timeout: 1s, window: 1m }
endpoints:
  - { name: refused, url: "http://127.0.0.1:)" +
                     std::to_string(testing::ClosedPort()) + R"(/", class: core }
  - { name: hung, url: ")" +
                     hung_server.Url("/hang") + R"(", class: core }
  - { name: error500, url: ")" +
                     server_.Url("/status/500") + R"(", class: core }
  - { name: mismatch, url: ")" +
                     server_.Url("/body?text=degraded") + R"(", class: core,
      expect: { body_regex: "^healthy$" } }
  - { name: large, url: ")" +
                     server_.Url("/bytes/4096") + R"(", class: core, max_body: 1KiB }
  - { name: loop, url: ")" +
                     server_.Url("/redirect-loop") + R"(", class: core }
  - { name: reset, url: "http://127.0.0.1:)" +
                     std::to_string(reset.port()) + R"(/", class: core }
)";
  Monitor monitor(Monitor::Options{2});
  monitor.Apply(config::ParseConfig(yaml, "failures.yml"));
  ASSERT_TRUE(WaitForResults(monitor, 2));
  DaemonSnapshot snapshot = monitor.Snapshot();
  using R = probes::FailureReason;
  struct Want {
    std::string name;
    R reason;
  };
  for (const Want& want :
       {Want{"refused", R::kConnect}, Want{"hung", R::kTimeout}, Want{"error500", R::kStatus},
        Want{"mismatch", R::kBodyMismatch}, Want{"large", R::kTooLarge}, Want{"loop", R::kOther},
        Want{"reset", R::kReset}}) {
    const EndpointSnapshot* e = Find(snapshot, want.name);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->successes, 0u) << want.name;
    EXPECT_EQ(Failures(*e, want.reason), e->failures)
        << want.name << " failed for another reason: " << e->last_reason << " " << e->last_error;
    EXPECT_EQ(e->last_reason, probes::ReasonName(want.reason)) << want.name;
    EXPECT_FALSE(e->last_error.empty()) << want.name;
    EXPECT_FALSE(e->last_success) << want.name;
    if (want.reason == R::kTimeout) {
      // Timed-out probes are censored samples at their deadline (timeouts_in_quantiles).
      EXPECT_EQ(e->window_samples, e->failures) << want.name;
      EXPECT_GE(e->duration.quantiles.front().seconds, 0.08) << want.name;  // deadline 90 ms
    } else {
      EXPECT_EQ(e->window_samples, 0u) << want.name;
      EXPECT_TRUE(std::isnan(e->duration.quantiles.front().seconds)) << want.name;
    }
    EXPECT_FALSE(e->breached) << want.name << ": two samples are too few to judge";
  }
  EXPECT_EQ(Find(snapshot, "error500")->last_http_status, 500);
}

TEST_F(MonitorTest, AHungEndpointFailsEverySlotAndIsNeverSkipped) {
  // timeout == interval (the unwritten default): each probe must end before the next slot.
  FixtureServer hung_server;
  std::string yaml = R"(
endpoints:
  - { name: hung, url: ")" +
                     hung_server.Url("/hang") + R"(", class: core, interval: 100ms }
)";
  Monitor monitor(Monitor::Options{1});
  monitor.Apply(config::ParseConfig(yaml, "hung.yml"));
  ASSERT_TRUE(WaitFor([&] { return Find(monitor.Snapshot(), "hung")->failures >= 8; }));
  const DaemonSnapshot snapshot = monitor.Snapshot();  // outlives the pointer Find returns
  const EndpointSnapshot* hung = Find(snapshot, "hung");
  EXPECT_EQ(hung->skipped, 0u);
  EXPECT_EQ(Failures(*hung, probes::FailureReason::kTimeout), hung->failures) << hung->last_error;
}

TEST_F(MonitorTimingTest, AHungEndpointDoesNotDelayOthers) {
  FixtureServer hung_server;  // its own server, so its stuck requests hold none of ours
  std::string yaml = R"(
endpoints:
  - { name: hung, url: ")" +
                     hung_server.Url("/hang") + R"(", class: core, interval: 5s, timeout: 5s }
  - { name: fast, url: ")" +
                     server_.Url("/delay/200") + R"(", class: core, interval: 20ms, timeout: 20ms }
)";
  Monitor monitor(Monitor::Options{1});  // one loop: both endpoints share it
  monitor.Apply(config::ParseConfig(yaml, "hung.yml"));
  ASSERT_TRUE(WaitFor([&] { return Find(monitor.Snapshot(), "fast")->successes >= 30; }));
  DaemonSnapshot snapshot = monitor.Snapshot();
  const EndpointSnapshot* hung = Find(snapshot, "hung");
  EXPECT_EQ(hung->successes + hung->failures, 0u) << "the hung probe is still in flight";
  const EndpointSnapshot* fast = Find(snapshot, "fast");
  EXPECT_EQ(fast->failures, 0u) << fast->last_error;
  EXPECT_LT(fast->duration.quantiles.back().seconds, 0.010);
}

}  // namespace
}  // namespace latencyd
