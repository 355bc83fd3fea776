// The scheduler with a real engine against a real loopback target that trickles its body:
// with timeout = interval, every slot is probed and fails; none is lost to the one before.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "daemon/schedule/probe_spec_builder.h"
#include "daemon/schedule/scheduler.h"
#include "test/support/fixture_server.h"
#include "test/support/trickle_server.h"

namespace latencyd {
namespace {

using namespace std::chrono_literals;

config::Endpoint TrickleEndpoint(const std::string& url, Duration interval) {
  config::Endpoint endpoint;
  endpoint.name = "trickle";
  endpoint.url = url;
  endpoint.class_name = "core";
  endpoint.interval = interval;
  endpoint.timeout = interval;
  endpoint.window = std::chrono::minutes(1);
  endpoint.quantiles = {0.5};
  endpoint.max_body = 100 << 20;
  return endpoint;
}

// Keeps the engine's only loop busy in bursts, as other endpoints' callbacks and a loaded
// machine do: a quick probe whose callback holds the loop for `hold`, resubmitted until
// stopped. It makes the loop notice deadlines a little late, like the overruns seen in the
// field, so a probe that times out at interval - 10 ms often completes after the next slot.
class LoopHog {
 public:
  LoopHog(probes::ProbeEngine& engine, const std::string& url, Duration hold) {
    probes::ProbeSpec spec;
    spec.url = url;
    Next(&engine, std::make_shared<const probes::PreparedProbe>(spec), hold, stop_);
  }
  ~LoopHog() { stop_->store(true); }

 private:
  // Captures copies only: a callback may still run after the hog is gone (the engine, which
  // the test stops last, outlives it).
  static void Next(probes::ProbeEngine* engine, std::shared_ptr<const probes::PreparedProbe> probe,
                   Duration hold, std::shared_ptr<std::atomic<bool>> stop) {
    engine->Submit(probe, 0, [engine, probe, hold, stop](const probes::ProbeResult&) {
      if (stop->load()) return;
      std::this_thread::sleep_for(hold);
      if (!stop->load()) Next(engine, probe, hold, stop);
    });
  }

  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
};

TEST(SlotAfterTimeoutTest, TimedOutProbeNeverCostsTheNextSlot) {
  latencyd::testing::TrickleServer target;  // 200 KiB/s, never completes
  latencyd::testing::FixtureServer quick;
  probes::ProbeEngine engine(probes::ProbeEngine::Options{1});
  ScheduleLagRecorder lag;
  constexpr Duration kInterval = 300ms;
  config::Endpoint endpoint = TrickleEndpoint(target.Url("/"), kInterval);
  config::ClassConfig klass{"core", 5ms, 0.5, 5};
  auto job = std::make_shared<ProbeJob>();
  job->name = endpoint.name;
  job->interval = kInterval;
  job->SetProbe(std::make_shared<const probes::PreparedProbe>(ToProbeSpec(endpoint)));
  job->state = std::make_shared<EndpointState>(endpoint, klass, std::vector<double>{0.005});
  {
    LoopHog hog(engine, quick.Url("/delay/0"), 15ms);
    Scheduler scheduler(engine, lag, std::chrono::steady_clock::now());
    scheduler.SetJobs({job});
    // Wait for a dozen outcomes (bounded); the scheduler's chain runs on the engine's loop.
    const SteadyTime give_up = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      EndpointSnapshot s = job->state->Snapshot(std::chrono::steady_clock::now());
      if (s.failures + s.skipped >= 12 || std::chrono::steady_clock::now() > give_up) break;
      std::this_thread::sleep_for(20ms);
    }
    scheduler.Stop();
  }
  engine.Stop();
  EndpointSnapshot s = job->state->Snapshot(std::chrono::steady_clock::now());
  EXPECT_GE(s.failures, 12u);
  EXPECT_EQ(s.skipped, 0u) << s.failures << " failures";
  EXPECT_EQ(s.failures_by_reason[static_cast<int>(probes::FailureReason::kTimeout)], s.failures);
}

}  // namespace
}  // namespace latencyd
