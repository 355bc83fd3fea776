#include "daemon/window/endpoint_state.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "daemon/window/schedule_lag.h"

namespace latencyd {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1000);

class EndpointStateTest : public ::testing::Test {
 protected:
  EndpointStateTest() {
    endpoint_.name = "plone_info";
    endpoint_.class_name = "core";
    endpoint_.interval = seconds(1);
    endpoint_.timeout = seconds(1);
    endpoint_.window = seconds(10);
    endpoint_.quantiles = {0.5, 0.9};
    endpoint_.labels = {{"team", "web"}};
    core_.name = "core";
    core_.threshold = milliseconds(5);
    core_.quantile = 0.5;
    core_.min_samples = 3;
  }

  static probes::ProbeResult Success(Duration total, int status = 200) {
    probes::ProbeResult r;
    r.ok = true;
    r.reason = probes::FailureReason::kNone;
    r.http_status = status;
    r.total = total;
    r.phases.connect = total / 4;
    r.phases.ttfb = total / 2;
    r.phases.transfer = total - total / 4 - total / 2;
    r.finished_wall = probes::WallTime() + seconds(1'700'000'000);
    return r;
  }

  static probes::ProbeResult Failure(probes::FailureReason reason, std::string error,
                                     int status = 0) {
    probes::ProbeResult r;
    r.ok = false;
    r.reason = reason;
    r.error = std::move(error);
    r.http_status = status;
    r.total = milliseconds(1000);
    r.finished_wall = probes::WallTime() + seconds(1'700'000'100);
    return r;
  }

  EndpointState Make() { return EndpointState(endpoint_, core_, {0.001, 0.005, 0.1}); }

  config::Endpoint endpoint_;
  config::ClassConfig core_;
};

TEST_F(EndpointStateTest, FreshStateHasNoResultAndNaNQuantiles) {
  EndpointState state = Make();
  const EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_EQ(s.name, "plone_info");
  EXPECT_EQ(s.class_name, "core");
  EXPECT_EQ(s.labels.at("team"), "web");
  EXPECT_FALSE(s.has_result);
  EXPECT_FALSE(s.breached);
  EXPECT_TRUE(std::isnan(s.judged_seconds));
  ASSERT_EQ(s.duration.quantiles.size(), 2u);
  EXPECT_EQ(s.duration.quantiles[0].quantile, 0.5);
  EXPECT_TRUE(std::isnan(s.duration.quantiles[0].seconds));
  EXPECT_EQ(s.threshold_seconds, 0.005);
  EXPECT_EQ(s.threshold_quantile, 0.5);
  EXPECT_EQ(s.window_samples, 0u);
  for (const SummarySnapshot& phase : s.phases) EXPECT_EQ(phase.count, 0u);
}

TEST_F(EndpointStateTest, WindowUnderThresholdIsNotBreached) {
  EndpointState state = Make();
  for (int i = 0; i < 5; ++i) state.Record(Success(microseconds(1000 + 500 * i)), kT0 + seconds(i));
  const EndpointSnapshot s = state.Snapshot(kT0 + seconds(5));
  EXPECT_EQ(s.window_samples, 5u);
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.002);
  EXPECT_DOUBLE_EQ(s.duration.quantiles[0].seconds, 0.002);
  EXPECT_DOUBLE_EQ(s.duration.quantiles[1].seconds, 0.0028);
  EXPECT_FALSE(s.breached);
}

// How many samples in a row above (or not above) the threshold the default detector needs to
// flip (or clear): the level divided by one sample's log-likelihood ratio, rounded up.
int SamplesToFlip() {
  const BreachDetectorParams p;
  return static_cast<int>(std::ceil(p.level / std::log(p.rise_breached / p.rise_healthy)));
}
int SamplesToClear() {
  const BreachDetectorParams p;
  return static_cast<int>(
      std::ceil(p.level / std::log((1 - p.fall_healthy) / (1 - p.fall_breached))));
}

TEST_F(EndpointStateTest, SustainedSlowSamplesFlipTheBreach) {
  EndpointState state = Make();
  const int n = SamplesToFlip();
  for (int i = 1; i < n; ++i) state.Record(Success(milliseconds(8)), kT0 + seconds(i));
  EndpointSnapshot s = state.Snapshot(kT0 + seconds(n));
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.008) << "the window median is over the threshold";
  EXPECT_FALSE(s.breached) << "but the evidence is not yet enough";
  EXPECT_DOUBLE_EQ(s.verdict_since_seconds, 1.7e9) << "judging began with the first sample";
  EXPECT_DOUBLE_EQ(s.breach_evidence, 1.0);
  state.Record(Success(milliseconds(8)), kT0 + seconds(n));
  s = state.Snapshot(kT0 + seconds(n));
  EXPECT_TRUE(s.breached);
  EXPECT_GT(s.verdict_since_seconds, 0);
}

TEST_F(EndpointStateTest, SamplesEqualToTheThresholdAreNotAbove) {
  EndpointState state = Make();
  for (int i = 0; i < 200; ++i) state.Record(Success(milliseconds(5)), kT0 + seconds(i));
  const EndpointSnapshot s = state.Snapshot(kT0 + seconds(200));
  EXPECT_EQ(s.judged_seconds, 0.005);
  EXPECT_FALSE(s.breached);
  EXPECT_EQ(s.breach_evidence, 0.0);
}

TEST_F(EndpointStateTest, FewerThanMinSamplesIsNeverBreached) {
  core_.min_samples = SamplesToFlip() + 3;
  EndpointState state = Make();
  for (int i = 0; i < SamplesToFlip() + 2; ++i) state.Record(Success(milliseconds(50)), kT0);
  EXPECT_FALSE(state.Snapshot(kT0).breached) << "the detector flipped, min_samples not reached";
  state.Record(Success(milliseconds(50)), kT0);
  EXPECT_TRUE(state.Snapshot(kT0).breached);
}

TEST_F(EndpointStateTest, JudgesTheClassQuantile) {
  // One sample in four at 40 ms: the median is fine, the p90 is not.
  auto run = [this](double quantile) {
    core_.quantile = quantile;
    EndpointState state = Make();
    for (int i = 0; i < 400; ++i) state.Record(Success(milliseconds(i % 4 == 0 ? 40 : 2)), kT0);
    return state.Snapshot(kT0);
  };
  const EndpointSnapshot p90 = run(0.9);
  EXPECT_EQ(p90.threshold_quantile, 0.9);
  EXPECT_TRUE(p90.breached);
  EXPECT_NEAR(p90.breach_evidence, 0.25, 0.1);
  EXPECT_FALSE(run(0.5).breached);
}

TEST_F(EndpointStateTest, TimeoutsAboveTheThresholdCountAsSlowAndEnterTheQuantiles) {
  EndpointState state = Make();
  for (int i = 0; i < SamplesToFlip(); ++i) {
    state.Record(Failure(probes::FailureReason::kTimeout, "no answer within 1s"), kT0);
  }
  EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_TRUE(s.breached) << "a stall is a breach, not an absence of evidence";
  EXPECT_EQ(s.window_samples, static_cast<std::size_t>(SamplesToFlip()));
  EXPECT_DOUBLE_EQ(s.judged_seconds, 1.0) << "censored at the deadline";
  EXPECT_EQ(s.duration.count, 0u) << "the summary's count stays successes only";

  core_.timeouts_in_quantiles = false;
  EndpointState without = Make();
  for (int i = 0; i < SamplesToFlip(); ++i) {
    without.Record(Failure(probes::FailureReason::kTimeout, "no answer within 1s"), kT0);
    without.Record(Failure(probes::FailureReason::kConnect, "refused"), kT0);
  }
  s = without.Snapshot(kT0);
  EXPECT_TRUE(s.breached);
  EXPECT_EQ(s.window_samples, 0u);
}

TEST_F(EndpointStateTest, OtherFailuresAreNoEvidence) {
  EndpointState state = Make();
  for (int i = 0; i < 100; ++i) state.Record(Failure(probes::FailureReason::kConnect, "x"), kT0);
  const EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_FALSE(s.breached);
  EXPECT_TRUE(std::isnan(s.breach_evidence));
  EXPECT_EQ(s.breached_since_seconds, 0);
}

TEST_F(EndpointStateTest, TimeoutsBelowTheThresholdAreNoEvidence) {
  core_.threshold = milliseconds(2000);  // above the 1 s deadline
  EndpointState state = Make();
  for (int i = 0; i < 100; ++i) state.Record(Failure(probes::FailureReason::kTimeout, "x"), kT0);
  EXPECT_FALSE(state.Snapshot(kT0).breached);
}

TEST_F(EndpointStateTest, ClassQuantileIsComputedEvenIfNotExported) {
  core_.quantile = 0.75;
  EndpointState state = Make();
  for (int ms : {1, 2, 3, 4, 5}) state.Record(Success(milliseconds(ms)), kT0);
  const EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.004);
  ASSERT_EQ(s.duration.quantiles.size(), 3u);
  EXPECT_EQ(s.duration.quantiles[1].quantile, 0.75);
}

TEST_F(EndpointStateTest, BreachClearsAfterEnoughFastSamples) {
  EndpointState state = Make();  // 10 s window
  for (int i = 0; i < 40; ++i) state.Record(Success(milliseconds(8)), kT0 + seconds(i));
  ASSERT_TRUE(state.Snapshot(kT0 + seconds(40)).breached);
  const int n = SamplesToClear();
  for (int i = 1; i <= n; ++i) {
    state.Record(Success(milliseconds(2)), kT0 + seconds(40 + i));
    EXPECT_EQ(state.Snapshot(kT0 + seconds(40 + i)).breached, i < n) << i;
  }
  const EndpointSnapshot s = state.Snapshot(kT0 + seconds(40 + n));
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.002);
  // Cumulative figures keep every sample ever recorded.
  EXPECT_EQ(s.duration.count, 40u + n);
  EXPECT_EQ(s.histogram.count, 40u + n);
  // An empty window reports NaN; the verdict stands on the evidence gathered.
  const EndpointSnapshot later = state.Snapshot(kT0 + seconds(600));
  EXPECT_EQ(later.window_samples, 0u);
  EXPECT_TRUE(std::isnan(later.judged_seconds));
  EXPECT_FALSE(later.breached);
}

TEST_F(EndpointStateTest, SuccessFeedsHistogramAndPhases) {
  EndpointState state = Make();
  state.Record(Success(milliseconds(4)), kT0);
  state.Record(Success(milliseconds(5)), kT0);
  state.Record(Success(milliseconds(8)), kT0);
  const EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_EQ(s.histogram.upper_bounds, (std::vector<double>{0.001, 0.005, 0.1}));
  EXPECT_EQ(s.histogram.cumulative, (std::vector<std::uint64_t>{0, 2, 3}));
  EXPECT_EQ(s.histogram.count, 3u);
  EXPECT_DOUBLE_EQ(s.histogram.sum_seconds, 0.017);
  const SummarySnapshot& ttfb = s.phases[3];
  EXPECT_EQ(ttfb.count, 3u);
  EXPECT_DOUBLE_EQ(ttfb.sum_seconds, 0.0085);
  EXPECT_DOUBLE_EQ(ttfb.quantiles[0].seconds, 0.0025);
  const SummarySnapshot& dns = s.phases[0];
  EXPECT_EQ(dns.count, 3u);
  EXPECT_EQ(dns.quantiles[0].seconds, 0.0);
  EXPECT_EQ(s.successes, 3u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_TRUE(s.last_success);
  EXPECT_EQ(s.last_http_status, 200);
  EXPECT_EQ(s.last_probe_timestamp_seconds, 1.7e9);
}

TEST_F(EndpointStateTest, FailuresCountByReasonAndKeepTheLastError) {
  EndpointState state = Make();
  state.Record(Failure(probes::FailureReason::kTimeout, "no answer within 1s"), kT0);
  state.Record(Failure(probes::FailureReason::kStatus, "status 503", 503), kT0);
  EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_EQ(s.failures, 2u);
  EXPECT_EQ(s.failures_by_reason[static_cast<int>(probes::FailureReason::kTimeout)], 1u);
  EXPECT_EQ(s.failures_by_reason[static_cast<int>(probes::FailureReason::kStatus)], 1u);
  EXPECT_TRUE(s.has_result);
  EXPECT_FALSE(s.last_success);
  EXPECT_EQ(s.last_http_status, 503);
  EXPECT_EQ(s.last_reason, "status");
  EXPECT_EQ(s.last_error, "status 503");
  EXPECT_EQ(s.last_probe_timestamp_seconds, 1.7e9 + 100);
  EXPECT_EQ(s.window_samples, 1u) << "only the timeout enters the window (censored)";
  EXPECT_EQ(s.duration.count, 0u);

  state.Record(Success(milliseconds(1)), kT0);
  s = state.Snapshot(kT0);
  EXPECT_TRUE(s.last_success);
  EXPECT_EQ(s.last_reason, "");
  EXPECT_EQ(s.last_error, "status 503") << "the last error stays visible after recovery";
  EXPECT_EQ(s.successes, 1u);
  EXPECT_EQ(s.failures, 2u);
}

TEST_F(EndpointStateTest, FailureWithoutAReasonCountsAsOther) {
  EndpointState state = Make();
  state.Record(Failure(probes::FailureReason::kNone, ""), kT0);
  const EndpointSnapshot s = state.Snapshot(kT0);
  EXPECT_EQ(s.failures_by_reason[static_cast<int>(probes::FailureReason::kOther)], 1u);
  EXPECT_EQ(s.last_reason, "other");
  EXPECT_EQ(s.last_error, "other");
}

TEST_F(EndpointStateTest, CountsSkippedProbes) {
  EndpointState state = Make();
  state.RecordSkipped();
  state.RecordSkipped();
  EXPECT_EQ(state.Snapshot(kT0).skipped, 2u);
  EXPECT_FALSE(state.Snapshot(kT0).has_result);
}

TEST_F(EndpointStateTest, ReconfigureKeepsSamplesAndAdoptsTheNewJudgement) {
  EndpointState state = Make();
  for (int i = 0; i < 40; ++i) state.Record(Success(milliseconds(8)), kT0 + seconds(i));
  state.RecordSkipped();
  ASSERT_TRUE(state.Snapshot(kT0 + seconds(40)).breached);
  const BreachDetectorState before = state.DetectorState();

  // Same threshold and quantile, other labels: the verdict and its evidence stay.
  endpoint_.labels = {{"team", "api"}};
  state.Reconfigure(endpoint_, core_, {0.001, 0.005, 0.1});
  EndpointSnapshot s = state.Snapshot(kT0 + seconds(40));
  EXPECT_TRUE(s.breached);
  EXPECT_EQ(state.DetectorState(), before);
  EXPECT_EQ(s.labels.at("team"), "api");

  core_.threshold = milliseconds(10);
  state.Reconfigure(endpoint_, core_, {0.001, 0.005, 0.1});
  s = state.Snapshot(kT0 + seconds(40));
  EXPECT_FALSE(s.breached) << "a new threshold is a new question";
  EXPECT_EQ(s.breached_since_seconds, 0);
  EXPECT_EQ(s.threshold_seconds, 0.010);
  EXPECT_EQ(s.window_samples, 9u) << "(30 s, 40 s]";
  EXPECT_EQ(s.successes, 40u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.histogram.count, 40u) << "same bounds: the histogram carries on";

  state.Reconfigure(endpoint_, core_, {0.001, 0.005, 0.01, 0.1});
  s = state.Snapshot(kT0 + seconds(40));
  EXPECT_EQ(s.histogram.upper_bounds.size(), 4u);
  EXPECT_EQ(s.histogram.count, 0u) << "new bounds: the histogram restarts";
  EXPECT_EQ(s.duration.count, 40u);
}

TEST_F(EndpointStateTest, DetectorStateIsPersistedAndRestored) {
  EndpointState state = Make();
  for (int i = 0; i < 40; ++i) state.Record(Success(milliseconds(8)), kT0 + seconds(i));
  const EndpointState::Persisted saved = state.Persist();
  ASSERT_TRUE(saved.detector.has_value());
  EXPECT_EQ(saved.detector->state, state.DetectorState());
  EndpointState restarted = Make();
  restarted.Restore(saved);
  EXPECT_TRUE(restarted.Snapshot(kT0).breached) << "breached before the first new probe";
  EXPECT_EQ(restarted.DetectorState(), state.DetectorState());
}

TEST_F(EndpointStateTest, ASavedDetectorForAnotherQuestionIsNotRestored) {
  EndpointState state = Make();
  for (int i = 0; i < 40; ++i) state.Record(Success(milliseconds(8)), kT0 + seconds(i));
  const EndpointState::Persisted saved = state.Persist();
  core_.threshold = milliseconds(10);  // restarted with another budget
  EndpointState restarted = Make();
  restarted.Restore(saved);
  EXPECT_FALSE(restarted.Snapshot(kT0).breached);
  EXPECT_EQ(restarted.DetectorState(), BreachDetectorState{});
}

TEST(DetectorQuestionTest, DiffersByEachFieldThatChangesTheQuestion) {
  config::ClassConfig base;
  base.threshold = milliseconds(5);
  const std::uint64_t question = DetectorQuestion(base);
  config::ClassConfig other = base;
  other.min_samples = 50;
  other.timeouts_in_quantiles = false;
  other.name = "renamed";
  EXPECT_EQ(DetectorQuestion(other), question) << "these do not change what is decided";
  other = base;
  other.threshold = milliseconds(6);
  EXPECT_NE(DetectorQuestion(other), question);
  other = base;
  other.judge = config::Judge::kTtfb;
  EXPECT_NE(DetectorQuestion(other), question);
  other = base;
  other.quantile = 0.9;
  EXPECT_NE(DetectorQuestion(other), question);
  other = base;
  other.detector_level = 12;
  EXPECT_NE(DetectorQuestion(other), question);
}

TEST_F(EndpointStateTest, ConcurrentRecordsAndSnapshotsLoseNothing) {
  EndpointState state = Make();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&state, t] {
      for (int i = 0; i < 500; ++i) {
        if (t == 0) {
          state.Snapshot(kT0);
        } else {
          state.Record(Success(milliseconds(1)), kT0);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(state.Snapshot(kT0).successes, 1500u);
}

TEST(WindowCapacityTest, FollowsWindowOverIntervalWithSlackAndACap) {
  config::Endpoint endpoint;
  endpoint.window = std::chrono::minutes(5);
  endpoint.interval = seconds(1);
  EXPECT_GE(WindowCapacity(endpoint), 301u);
  EXPECT_LE(WindowCapacity(endpoint), 400u);
  endpoint.interval = microseconds(250);
  EXPECT_EQ(WindowCapacity(endpoint), kMaxWindowSamples);
  endpoint.interval = Duration::zero();
  EXPECT_EQ(WindowCapacity(endpoint), kMaxWindowSamples);
}

TEST(ScheduleLagRecorderTest, ExactQuantilesOverTheLastMinute) {
  ScheduleLagRecorder lag;
  for (int ms = 1; ms <= 100; ++ms) lag.Record(milliseconds(ms), kT0 + milliseconds(10 * ms));
  SummarySnapshot s = lag.Snapshot(kT0 + seconds(1));
  ASSERT_EQ(s.quantiles.size(), 3u);
  EXPECT_EQ(s.quantiles[0].quantile, 0.5);
  EXPECT_EQ(s.quantiles[1].quantile, 0.9);
  EXPECT_EQ(s.quantiles[2].quantile, 0.99);
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.0505);
  EXPECT_DOUBLE_EQ(s.quantiles[1].seconds, 0.0901);
  EXPECT_DOUBLE_EQ(s.quantiles[2].seconds, 0.09901);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 5.05);

  s = lag.Snapshot(kT0 + seconds(62));
  EXPECT_TRUE(std::isnan(s.quantiles[0].seconds)) << "older than a minute";
  EXPECT_EQ(s.count, 100u);
}

TEST(ScheduleLagRecorderTest, EarlyStartCountsAsNoLag) {
  ScheduleLagRecorder lag;
  lag.Record(-milliseconds(3), kT0);
  const SummarySnapshot s = lag.Snapshot(kT0);
  EXPECT_EQ(s.quantiles[0].seconds, 0.0);
  EXPECT_EQ(s.sum_seconds, 0.0);
  EXPECT_EQ(s.count, 1u);
}

TEST(ScheduleLagRecorderTest, CapsTheSampleCount) {
  ScheduleLagRecorder lag(seconds(60), 10);
  for (int i = 0; i < 20; ++i) lag.Record(milliseconds(i), kT0);
  const SummarySnapshot s = lag.Snapshot(kT0);
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.0145);  // median of the newest 10: 10..19 ms
  EXPECT_EQ(s.count, 20u);
}

// More lags between two snapshots than the window holds: the newest are kept, in order,
// whatever the ring's position when it overflowed.
TEST(ScheduleLagRecorderTest, KeepsTheNewestLagsRecordedBetweenSnapshots) {
  ScheduleLagRecorder lag(seconds(60), 10);
  for (int i = 0; i < 25; ++i) lag.Record(milliseconds(i), kT0 + milliseconds(i));
  const SummarySnapshot s = lag.Snapshot(kT0 + seconds(1));
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.0195);  // median of 15..24 ms
  EXPECT_DOUBLE_EQ(s.quantiles[2].seconds, 0.02391);
  EXPECT_EQ(s.count, 25u);
}

// Loops record while two scrapes picture the lag: the two locks lose no lag and (under TSan)
// race on nothing.
TEST(ScheduleLagRecorderTest, ConcurrentRecordsAndSnapshotsLoseNothing) {
  ScheduleLagRecorder lag;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&lag, t] {
      for (int i = 0; i < 500; ++i) {
        if (t < 2) {
          lag.Snapshot(kT0 + seconds(1));
        } else {
          lag.Record(milliseconds(t), kT0);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const SummarySnapshot s = lag.Snapshot(kT0 + seconds(1));
  EXPECT_EQ(s.count, 1000u);
  EXPECT_NEAR(s.sum_seconds, 500 * 0.002 + 500 * 0.003, 1e-9);  // summed in arrival order
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.0025);             // every lag reached the window
}

TEST(ScheduleLagRecorderTest, LagsOfSuccessiveSnapshotsShareTheWindow) {
  ScheduleLagRecorder lag;
  for (int ms = 1; ms <= 5; ++ms) lag.Record(milliseconds(ms), kT0 + milliseconds(ms));
  EXPECT_DOUBLE_EQ(lag.Snapshot(kT0 + seconds(1)).quantiles[0].seconds, 0.003);
  for (int ms = 6; ms <= 9; ++ms) lag.Record(milliseconds(ms), kT0 + seconds(1) + milliseconds(ms));
  SummarySnapshot s = lag.Snapshot(kT0 + seconds(2));
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.005);  // median of 1..9 ms
  EXPECT_EQ(s.count, 9u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 0.045);
  s = lag.Snapshot(kT0 + seconds(61) + milliseconds(5));  // the first five have left the minute
  EXPECT_DOUBLE_EQ(s.quantiles[0].seconds, 0.0075);
}

}  // namespace
}  // namespace latencyd

namespace latencyd {
namespace {

// Probes of 8 ms in total of which the server's time (ttfb) is 2 ms: a fresh HTTPS exchange
// against a fast server, judged against a 5 ms budget.
class JudgeTest : public EndpointStateTest {
 protected:
  static probes::ProbeResult HttpsSample() {
    probes::ProbeResult r = Success(milliseconds(8));
    r.phases = {};
    r.phases.connect = milliseconds(1);
    r.phases.tls = milliseconds(4);
    r.phases.ttfb = milliseconds(2);
    r.phases.transfer = milliseconds(1);
    return r;
  }
  EndpointSnapshot Judge(config::Judge judge) {
    core_.judge = judge;
    EndpointState state = Make();
    // Enough samples for the breach detector to flip when they are all above (17).
    for (int i = 0; i < 30; ++i) state.Record(HttpsSample(), kT0 + seconds(i));
    return state.Snapshot(kT0 + seconds(30));
  }
};

TEST_F(JudgeTest, TotalJudgesTheWholeExchangeAndBreaches) {
  const EndpointSnapshot s = Judge(config::Judge::kTotal);
  EXPECT_EQ(s.judge, "total");
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.008);
  EXPECT_TRUE(s.breached);
  EXPECT_EQ(s.histogram.cumulative[1], 0u);  // nothing within 5 ms
}

TEST_F(JudgeTest, TtfbJudgesTheServersTimeAndDoesNotBreach) {
  const EndpointSnapshot s = Judge(config::Judge::kTtfb);
  EXPECT_EQ(s.judge, "ttfb");
  EXPECT_DOUBLE_EQ(s.judged_seconds, 0.002);
  EXPECT_FALSE(s.breached);
  EXPECT_EQ(s.histogram.cumulative[1], 30u);  // the histogram follows the judged duration
  EXPECT_DOUBLE_EQ(s.duration.quantiles[0].seconds, 0.008);  // the total is still exported
}

TEST_F(JudgeTest, ConnectionFactsOfTheLastHandshakeSurviveReusedConnections) {
  EndpointState state = Make();
  probes::ProbeResult first = HttpsSample();
  first.http_version = "2";
  first.tls_version = "TLSv1.3";
  first.cert_not_after_unix = 1767225600;
  state.Record(first, kT0);
  probes::ProbeResult reused = Success(milliseconds(1));
  reused.http_version = "2";  // no handshake: no TLS facts
  state.Record(reused, kT0 + seconds(1));
  const EndpointSnapshot s = state.Snapshot(kT0 + seconds(2));
  EXPECT_EQ(s.http_version, "2");
  EXPECT_EQ(s.tls_version, "TLSv1.3");
  EXPECT_DOUBLE_EQ(s.cert_not_after_unix, 1767225600);
}

}  // namespace
}  // namespace latencyd
