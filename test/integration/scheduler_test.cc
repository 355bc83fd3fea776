// The scheduler driving the real probe engine against a loopback server.
#include "daemon/schedule/scheduler.h"

#include <gtest/gtest.h>

#include <thread>

#include "config/config.h"
#include "daemon/schedule/probe_spec_builder.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/histogram.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"
#include "test/support/sanitizer_slowdown.h"

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
    job->SetProbe(std::make_shared<const probes::PreparedProbe>(ToProbeSpec(endpoint)));
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
  // Catches lag that builds up slot after slot; a sanitizer's slowdown alone reached 5.1 ms.
  EXPECT_LT(lag.quantiles.front().seconds, 0.005 * testing::kSanitizerSlowdown)
      << "median start lag";
}

TEST_F(SchedulerTest, AStalledLoopSkipsTheSlotsItMissedInsteadOfReplayingThem) {
  auto job = MakeJob("stalled", server_.Url("/delay/100"), milliseconds(10));
  Scheduler scheduler(engine_, lag_, std::chrono::steady_clock::now());
  scheduler.SetJobs({job});
  auto now = [] { return std::chrono::steady_clock::now(); };
  ASSERT_TRUE(testing::WaitFor([&] { return job->state->Snapshot(now()).successes >= 3; }));
  // Block the engine's only loop for 100 ms (ten slots), as an overloaded machine would.
  probes::ProbeSpec stall_spec;
  stall_spec.url = server_.Url("/delay/0");
  auto stall = std::make_shared<const probes::PreparedProbe>(stall_spec);
  engine_.Submit(
      stall, 0, [](const probes::ProbeResult&) { std::this_thread::sleep_for(milliseconds(100)); });
  ASSERT_TRUE(testing::WaitFor([&] { return job->state->Snapshot(now()).skipped >= 5; }));
  std::uint64_t after_stall = job->state->Snapshot(now()).successes;
  // Back on its grid: probes continue one per slot, not in a burst of the missed ones.
  ASSERT_TRUE(
      testing::WaitFor([&] { return job->state->Snapshot(now()).successes >= after_stall + 5; }));
  // Every request the server saw is a finished probe (a success, or a timeout on a loaded
  // machine: the timeout is 5 ms), but for at most one in flight: no missed slot was replayed.
  const std::uint64_t requests = server_.RequestCount("/delay/100");  // before the counts
  const auto counts = job->state->Snapshot(now());
  EXPECT_LE(requests, counts.successes + counts.failures + 1);
}

TEST_F(SchedulerTest, ReplacingJobsKeepsSurvivorsAndDropsTheRest) {
  auto kept = MakeJob("kept", server_.Url("/delay/100"), milliseconds(10));
  auto dropped = MakeJob("dropped", server_.Url("/delay/200"), milliseconds(10));
  Scheduler scheduler(engine_, lag_, std::chrono::steady_clock::now());
  scheduler.SetJobs({kept, dropped});
  auto now = [] { return std::chrono::steady_clock::now(); };
  ASSERT_TRUE(testing::WaitFor([&] { return dropped->state->Snapshot(now()).successes >= 3; }));
  scheduler.SetJobs({kept});
  std::uint64_t dropped_requests = server_.RequestCount("/delay/200");
  std::uint64_t kept_count = kept->state->Snapshot(now()).successes;
  ASSERT_TRUE(
      testing::WaitFor([&] { return kept->state->Snapshot(now()).successes >= kept_count + 10; }));
  // At most the probe that was already in flight at the swap reached the server.
  EXPECT_LE(server_.RequestCount("/delay/200"), dropped_requests + 1);
}

}  // namespace
}  // namespace latencyd
