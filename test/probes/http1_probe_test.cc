// Http1Probe driven step by step from the test's own epoll set against a real loopback server:
// what the worker's loop decides by timing (an answer read after the deadline, a body larger
// than one turn's reading) made deterministic.
#include "probes/http1_probe.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <memory>

#include "test/integration/wait_for.h"
#include "test/probes/probe_test_util.h"
#include "test/support/fixture_server.h"

namespace latencyd::probes {
namespace {

using latencyd::testing::FixtureServer;
using latencyd::testing::WaitFor;
using namespace std::chrono_literals;

class Http1ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(epoll_fd_, 0); }
  void TearDown() override { close(epoll_fd_); }

  std::unique_ptr<Http1Probe> Start(const ProbeSpec& spec, Http1Probe::State* state) {
    auto prepared = std::make_shared<const PreparedProbe>(spec);
    auto probe = std::make_unique<Http1Probe>(prepared, nullptr, SteadyTime::max());
    epoll_data_t data{};
    data.ptr = probe.get();
    *state = probe->Start(epoll_fd_, data);
    return probe;
  }
  // Waits up to `timeout` for the probe's socket to report; its events, or 0.
  std::uint32_t Wait(std::chrono::milliseconds timeout) {
    epoll_event event{};
    const int n = epoll_wait(epoll_fd_, &event, 1, static_cast<int>(timeout.count()));
    return n == 1 ? event.events : 0;
  }

  int epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  FixtureServer server_;
};

// libcurl checks a transfer's deadline before it reads: an answer the loop gets to only after
// the deadline is never a success whose latency includes the loop's lateness.
TEST_F(Http1ProbeTest, AnAnswerReadAfterTheDeadlineIsNoSuccess) {
  ProbeSpec spec = Spec(server_.Url("/delay/0"));
  spec.timeout = 100ms;
  Http1Probe::State state;
  auto probe = Start(spec, &state);
  ASSERT_EQ(state, Http1Probe::State::kRunning);
  if (!probe->request_sent()) {  // connecting: the writable event sends the request
    const std::uint32_t events = Wait(1000ms);
    ASSERT_TRUE(events & EPOLLOUT) << events;
    ASSERT_EQ(probe->OnEvents(events), Http1Probe::State::kRunning);
    ASSERT_TRUE(probe->request_sent());
  }
  // The loop is "busy": the answer arrives and waits unread while the deadline passes.
  ASSERT_TRUE(WaitFor([&] { return std::chrono::steady_clock::now() > probe->deadline() + 50ms; }));
  const std::uint32_t events = Wait(1000ms);
  ASSERT_TRUE(events & EPOLLIN) << events;
  state = probe->OnEvents(events);
  ASSERT_EQ(state, Http1Probe::State::kDone);
  EXPECT_FALSE(probe->result().ok) << probe->result().error;
  // The answer was there in time: latencyd's lateness, skipped rather than charged.
  EXPECT_EQ(probe->result().skipped, SkipCause::kLoopBusy) << probe->result().error;
}

// A body larger than the socket's buffer and than one turn's reading (1 MiB) is read over
// many events and arrives whole: no edge of the edge-triggered socket is lost.
TEST_F(Http1ProbeTest, ALargeBodyArrivesWhole) {
  constexpr std::uint64_t kBody = 3u << 20;
  ProbeSpec spec = Spec(server_.Url("/bytes/" + std::to_string(kBody)));
  spec.max_body = 8u << 20;
  Http1Probe::State state;
  auto probe = Start(spec, &state);
  int turns = 0;
  while (state == Http1Probe::State::kRunning && turns < 10000) {
    const std::uint32_t events = Wait(5000ms);
    ASSERT_NE(events, 0u) << "the socket was not reported again";
    state = probe->OnEvents(events);
    ++turns;
  }
  ASSERT_EQ(state, Http1Probe::State::kDone);
  EXPECT_TRUE(probe->result().ok) << probe->result().error;
  EXPECT_EQ(probe->result().body_bytes, kBody);
}

}  // namespace
}  // namespace latencyd::probes
