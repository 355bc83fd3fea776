// The sd_notify protocol as systemd sees it: a unix datagram socket stands in for PID 1.
#include "daemon/sd_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Saves one environment variable and restores it on destruction, so tests stay independent
// even when gtest runs them in one process.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    const char* value = getenv(name);
    if (value != nullptr) saved_ = value;
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

// A bound AF_UNIX datagram socket in a fresh temporary directory, exported as NOTIFY_SOCKET.
class NotifySocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/latencyd_sd_notify_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    path_ = dir_ + "/notify.sock";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path_.size(), sizeof(addr.sun_path));
    path_.copy(addr.sun_path, path_.size());
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
  }

  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> Receive(milliseconds timeout = milliseconds(2000)) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  void SetWatchdog(milliseconds interval, pid_t pid) {
    setenv("WATCHDOG_USEC", std::to_string(interval.count() * 1000).c_str(), 1);
    setenv("WATCHDOG_PID", std::to_string(pid).c_str(), 1);
  }

  ScopedEnv notify_socket_env_{"NOTIFY_SOCKET"};
  ScopedEnv watchdog_usec_env_{"WATCHDOG_USEC"};
  ScopedEnv watchdog_pid_env_{"WATCHDOG_PID"};
  std::string dir_;
  std::string path_;
  int fd_ = -1;
  SystemdNotifier notifier_;
};

std::uint64_t MonotonicMicrosNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

TEST_F(NotifySocketTest, ReadyCarriesTheEndpointCount) {
  notifier_.Ready(SystemdNotifier::EndpointStatus(3));
  EXPECT_EQ(Receive(), "READY=1\nSTATUS=probing 3 endpoints");
  notifier_.Ready(SystemdNotifier::EndpointStatus(1));
  EXPECT_EQ(Receive(), "READY=1\nSTATUS=probing 1 endpoint");
}

TEST_F(NotifySocketTest, ReloadingCarriesMonotonicUsecThenReady) {
  const std::uint64_t before = MonotonicMicrosNow();
  notifier_.Reloading();
  const std::uint64_t after = MonotonicMicrosNow();
  const auto reloading = Receive();
  ASSERT_TRUE(reloading.has_value());
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(reloading->rfind(prefix, 0), 0u) << *reloading;
  const std::uint64_t usec = std::stoull(reloading->substr(prefix.size()));
  EXPECT_GE(usec, before);
  EXPECT_LE(usec, after);

  notifier_.Ready(SystemdNotifier::EndpointStatus(2));
  EXPECT_EQ(Receive(), "READY=1\nSTATUS=probing 2 endpoints");
}

TEST_F(NotifySocketTest, Stopping) {
  notifier_.Stopping();
  EXPECT_EQ(Receive(), "STOPPING=1\nSTATUS=stopping");
}

TEST_F(NotifySocketTest, SilentWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(SystemdNotifier::Send("READY=1"));
  notifier_.Ready("x");
  notifier_.Reloading();
  notifier_.Stopping();
  EXPECT_EQ(Receive(milliseconds(200)), std::nullopt);
}

TEST_F(NotifySocketTest, SilentWithoutNotifySocketEvenWithWatchdog) {
  unsetenv("NOTIFY_SOCKET");
  SetWatchdog(milliseconds(100), getpid());
  WatchdogPinger pinger([] { return true; });
  EXPECT_TRUE(pinger.active());
  EXPECT_EQ(Receive(milliseconds(300)), std::nullopt);
}

TEST_F(NotifySocketTest, WatchdogIntervalComesFromTheEnvironment) {
  EXPECT_EQ(WatchdogPinger::IntervalFromEnvironment(), WatchdogPinger::Duration::zero());
  SetWatchdog(milliseconds(250), getpid());
  EXPECT_EQ(WatchdogPinger::IntervalFromEnvironment(), milliseconds(250));
  // Meant for another process (e.g. inherited by a child): not ours to ping.
  SetWatchdog(milliseconds(250), getpid() + 1);
  EXPECT_EQ(WatchdogPinger::IntervalFromEnvironment(), WatchdogPinger::Duration::zero());
}

TEST_F(NotifySocketTest, NoWatchdogNoThread) {
  WatchdogPinger pinger([] { return true; });
  EXPECT_FALSE(pinger.active());
  EXPECT_EQ(Receive(milliseconds(200)), std::nullopt);
}

TEST_F(NotifySocketTest, WatchdogPingsAtHalfTheInterval) {
  const milliseconds interval(400);
  SetWatchdog(interval, getpid());
  std::vector<Clock::time_point> pings;
  const auto start = Clock::now();
  {
    WatchdogPinger pinger([] { return true; });
    ASSERT_TRUE(pinger.active());
    EXPECT_EQ(pinger.period(), milliseconds(200));
    while (pings.size() < 5) {
      const auto message = Receive(interval * 2);
      ASSERT_EQ(message, "WATCHDOG=1");
      pings.push_back(Clock::now());
    }
  }
  // The first ping comes at once, so a slow start does not eat into the watchdog budget.
  EXPECT_LT(pings.front() - start, milliseconds(150));
  // Cadence: the mean gap is half the interval; generous bounds for a loaded CI machine.
  const auto mean = (pings.back() - pings.front()) / (pings.size() - 1);
  EXPECT_GT(mean, milliseconds(150));
  EXPECT_LT(mean, milliseconds(300));
}

TEST_F(NotifySocketTest, WedgedLoopStopsThePings) {
  SetWatchdog(milliseconds(100), getpid());
  std::atomic<bool> alive{false};
  WatchdogPinger pinger([&] { return alive.load(); });
  EXPECT_EQ(Receive(milliseconds(400)), std::nullopt);  // eight periods without a ping
  EXPECT_EQ(pinger.pings_sent(), 0u);
  EXPECT_GE(pinger.pings_withheld(), 2u);
  alive = true;  // the loop recovered: pings resume within a period
  EXPECT_EQ(Receive(milliseconds(500)), "WATCHDOG=1");
}

TEST(WatchdogPingerTest, ZeroIntervalIsInactive) {
  int pings = 0;
  WatchdogPinger pinger(
      WatchdogPinger::Duration::zero(), [] { return true; }, [&] { ++pings; });
  EXPECT_FALSE(pinger.active());
  EXPECT_EQ(pinger.pings_sent(), 0u);
  EXPECT_EQ(pings, 0);
}

TEST(WatchdogPingerTest, DestructorStopsPromptly) {
  std::atomic<int> pings{0};
  const auto start = Clock::now();
  {
    // A one-hour watchdog: the thread sleeps half an hour unless woken by the destructor.
    WatchdogPinger pinger(
        std::chrono::hours(1), [] { return true; }, [&] { ++pings; });
    EXPECT_TRUE(pinger.active());
    while (pings.load() == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(pings.load(), 1);
}

TEST(WatchdogPingerTest, AliveIsAskedBeforeEveryPing) {
  std::atomic<int> asked{0};
  std::atomic<int> pings{0};
  {
    WatchdogPinger pinger(
        milliseconds(20), [&] { return ++asked % 2 == 0; }, [&] { ++pings; });
    while (asked.load() < 6) std::this_thread::sleep_for(milliseconds(1));
    EXPECT_GE(pinger.pings_withheld(), 3u);
  }
  EXPECT_EQ(pings.load(), asked.load() / 2);
}

}  // namespace
}  // namespace latencyd
