// The scheduler driving the real probe engine against a loopback server.
#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "daemon/endpoint_state.h"
#include "daemon/histogram.h"
#include "daemon/probe_spec_builder.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;

class SchedulerTest : public ::testing::Test {
 protected:
  std::shared_ptr<ProbeJob> MakeJob(const std::string& name, const std::string& url,
                                    milliseconds interval) {
    config_ = config::ParseConfig("endpoints:\n  - { name: " + name + ", url: \"" + url +
                                      "\", class: core, timeout: 5ms, interval: " +
                                      std::to_string(interval.count()) + "ms }\n",
                                  "scheduler.yml");
    const config::Endpoint& endpoint = config_.endpoints[0];
    auto job = std::make_shared<ProbeJob>();
    job->name = name;
    job->interval = endpoint.interval;
    job->affinity = StableHash(name);
    job->probe = std::make_shared<const probes::PreparedProbe>(ToProbeSpec(endpoint));
    job->state =
        std::make_shared<EndpointState>(endpoint, config_.ClassOf(endpoint), BucketBounds(config_));
    return job;
  }

  testing::FixtureServer server_;
  config::Config config_;
  ScheduleLagRecorder lag_;  // before the engine: destroyed after it, as callbacks use it
  probes::ProbeEngine engine_{probes::ProbeEngine::Options{1}};
};

TEST_F(SchedulerTest, ProbesAtFixedRateAndRecordsLag) {
  auto job = MakeJob("fixed_rate", server_.Url("/delay/100"), milliseconds(20));
  Scheduler scheduler(engine_, lag_, std::chrono::steady_clock::now());
  auto started = std::chrono::steady_clock::now();
  scheduler.SetJobs({job});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return job->state->Snapshot(std::chrono::steady_clock::now()).successes >= 25; }));
  auto elapsed = std::chrono::steady_clock::now() - started;
  // 25 probes at 20 ms take at least 24 intervals (the first may start at once).
  EXPECT_GE(elapsed, milliseconds(20) * 24);
  SummarySnapshot lag = lag_.Snapshot(std::chrono::steady_clock::now());
  EXPECT_GE(lag.count, 25u);
  EXPECT_LT(lag.quantiles.front().seconds, 0.005) << "median start lag";
}

TEST_F(SchedulerTest, AProbeStillInFlightIsSkippedAndCounted) {
  auto job = MakeJob("stuck", server_.Url("/delay/100"), milliseconds(10));
  job->in_flight = true;  // as if its previous probe never finished
  Scheduler scheduler(engine_, lag_, std::chrono::steady_clock::now());
  scheduler.SetJobs({job});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return job->state->Snapshot(std::chrono::steady_clock::now()).skipped >= 5; }));
  EndpointSnapshot snapshot = job->state->Snapshot(std::chrono::steady_clock::now());
  EXPECT_EQ(snapshot.successes + snapshot.failures, 0u) << "nothing was stacked behind it";
  EXPECT_EQ(server_.RequestCount("/delay/100"), 0u);
}

TEST_F(SchedulerTest, ReplacingJobsKeepsSurvivorsAndDropsTheRest) {
  auto kept = MakeJob("kept", server_.Url("/delay/100"), milliseconds(10));
  auto dropped = MakeJob("dropped", server_.Url("/delay/200"), milliseconds(10));
  Scheduler scheduler(engine_, lag_, std::chrono::steady_clock::now());
  scheduler.SetJobs({kept, dropped});
  auto now = [] { return std::chrono::steady_clock::now(); };
  ASSERT_TRUE(testing::WaitFor([&] { return dropped->state->Snapshot(now()).successes >= 3; }));
  scheduler.SetJobs({kept});
  // Let any probe of `dropped` that was in flight at the swap finish.
  ASSERT_TRUE(testing::WaitFor([&] { return !dropped->in_flight.load(); }));
  std::uint64_t dropped_count = dropped->state->Snapshot(now()).successes;
  std::uint64_t kept_count = kept->state->Snapshot(now()).successes;
  ASSERT_TRUE(
      testing::WaitFor([&] { return kept->state->Snapshot(now()).successes >= kept_count + 10; }));
  EXPECT_EQ(dropped->state->Snapshot(now()).successes, dropped_count);
}

}  // namespace
}  // namespace latencyd
