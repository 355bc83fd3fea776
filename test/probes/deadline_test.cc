// Deadlines against real loopback peers: a trickled body is cut at the deadline (as the
// probe reports it and as the target sees it), and a probe its loop starts too late to give
// it half its timeout is skipped, never failed against a healthy target.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <thread>

#include "probes/probe_engine.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"
#include "test/support/trickle_server.h"

namespace latencyd::probes {
namespace {

using namespace std::chrono_literals;
using latencyd::testing::FixtureServer;
using latencyd::testing::TrickleServer;

TEST(DeadlineTest, TrickledBodyIsCutAtTheDeadline) {
  TrickleServer server;  // 200 KiB/s, never complete
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(server.Url("/"));
  spec.timeout = 300ms;
  spec.max_body = 100 << 20;
  ProbeResult r = RunOne(engine, spec);
  EXPECT_EQ(r.reason, FailureReason::kTimeout) << r.error;
  EXPECT_EQ(r.error.rfind("timeout after 300 ms", 0), 0u) << r.error;
  EXPECT_GT(r.body_bytes, 0u);
  EXPECT_GE(r.total, 299ms);
  // The target's side: the connection ended with the probe. The bound only catches a probe
  // that runs on by a large part of its timeout; a loaded machine stays well inside it.
  for (int i = 0; i < 200 && server.connection_durations().empty(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server.connection_durations().size(), 1u);
  EXPECT_LT(server.connection_durations()[0], 300ms + 150ms);
}

// Keeps the engine's only loop busy, as a slow batch of callbacks or an overloaded machine
// would: the callback of a quick probe holds the loop until HoldUntil's time has passed. The
// constructor returns only once the loop is inside that callback, so a probe scheduled after it
// cannot start early however slow the quick probe was (under a sanitizer it can take longer
// than the 100 ms lead the tests give). Not thread-safe; one HoldUntil per blocker.
class LoopBlocker {
 public:
  LoopBlocker(ProbeEngine& engine, const std::string& url) {
    auto held = std::make_shared<std::promise<void>>();
    std::future<void> loop_held = held->get_future();
    engine.Submit(std::make_shared<const PreparedProbe>(Spec(url)), 0,
                  [held, until = until_.get_future().share()](const ProbeResult&) {
                    held->set_value();
                    std::this_thread::sleep_until(until.get());
                  });
    if (loop_held.wait_for(kTestDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "the blocking probe's callback never ran";
    }
  }
  ~LoopBlocker() {
    if (!released_) HoldUntil(SteadyTime{});  // a failed test must not leave the loop stuck
  }
  void HoldUntil(SteadyTime until) {
    released_ = true;
    until_.set_value(until);
  }

 private:
  std::promise<SteadyTime> until_;
  bool released_ = false;
};

TEST(DeadlineTest, ProbeStartedTooLateIsSkippedNotFailed) {
  FixtureServer server;
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(server.Url("/delay/20000"));  // a healthy target: 20 ms
  spec.timeout = 400ms;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  LoopBlocker blocker(engine, server.Url("/delay/0"));
  const SteadyTime start_at = std::chrono::steady_clock::now() + 100ms;
  const SteadyTime deadline = start_at + 400ms;
  // The loop is busy until 5 ms before the deadline: far less than half the timeout is left.
  blocker.HoldUntil(deadline - 5ms);
  auto promise = std::make_shared<std::promise<ProbeResult>>();
  auto future = promise->get_future();
  engine.SubmitAt(
      start_at, probe, 0, [promise](const ProbeResult& r) { promise->set_value(r); }, deadline,
      nullptr);
  ProbeResult r = Await(future);
  EXPECT_EQ(r.skipped, SkipCause::kStartedLate) << ReasonName(r.reason) << ": " << r.error;
  EXPECT_NE(r.error.find("less than half its timeout (400 ms)"), std::string::npos) << r.error;
  EXPECT_EQ(server.RequestCount("/delay/20000"), 0u);  // the target never saw it
}

TEST(DeadlineTest, ProbeStartedSomewhatLateStillRuns) {
  FixtureServer server;
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(server.Url("/delay/1000"));
  spec.timeout = 2s;
  auto probe = std::make_shared<const PreparedProbe>(spec);
  LoopBlocker blocker(engine, server.Url("/delay/0"));
  const SteadyTime start_at = std::chrono::steady_clock::now() + 50ms;
  const SteadyTime deadline = start_at + 2s;
  blocker.HoldUntil(start_at + 100ms);  // 100 ms late: plenty left
  auto promise = std::make_shared<std::promise<ProbeResult>>();
  auto future = promise->get_future();
  engine.SubmitAt(
      start_at, probe, 0, [promise](const ProbeResult& r) { promise->set_value(r); }, deadline,
      nullptr);
  ProbeResult r = Await(future);
  EXPECT_EQ(r.skipped, SkipCause::kNone);
  EXPECT_TRUE(r.ok) << r.error;
}

// The target answers within 20 ms, but the loop is blocked past the probe's deadline: the
// answer waits unread in the kernel, and libcurl reports a timeout. That is latencyd's
// overload, so the probe is skipped, never charged to the target as `timeout`.
TEST(DeadlineTest, AnswerLeftUnreadByABusyLoopIsSkippedNotATimeout) {
  FixtureServer server;
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(server.Url("/delay/20000"));
  spec.timeout = 300ms;
  auto promise = std::make_shared<std::promise<ProbeResult>>();
  auto future = promise->get_future();
  engine.Submit(std::make_shared<const PreparedProbe>(spec), 0,
                [promise](const ProbeResult& r) { promise->set_value(r); });
  // Started in the same turn, answered at once; its callback holds the loop for 700 ms.
  LoopBlocker blocker(engine, server.Url("/delay/0"));
  blocker.HoldUntil(std::chrono::steady_clock::now() + 700ms);
  ProbeResult r = Await(future);
  EXPECT_EQ(r.skipped, SkipCause::kLoopBusy) << ReasonName(r.reason) << ": " << r.error;
  EXPECT_NE(r.error.find("latencyd was too busy"), std::string::npos) << r.error;
}

// A target that is really slow still times out, even though its answer comes in the end.
TEST(DeadlineTest, SlowTargetStillTimesOut) {
  FixtureServer server;
  ProbeEngine engine(ProbeEngine::Options{1});
  ProbeSpec spec = Spec(server.Url("/delay/400000"));  // 400 ms
  spec.timeout = 200ms;
  ProbeResult r = RunOne(engine, spec);
  EXPECT_EQ(r.skipped, SkipCause::kNone) << r.error;
  EXPECT_EQ(r.reason, FailureReason::kTimeout) << r.error;
}

}  // namespace
}  // namespace latencyd::probes
