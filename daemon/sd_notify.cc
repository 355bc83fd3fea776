// sd_notify(3) and sd_watchdog_enabled(3) behind SystemdNotifier and WatchdogPinger.
#include "daemon/sd_notify.h"

#include <systemd/sd-daemon.h>

#include <ctime>
#include <utility>

namespace latencyd {
namespace {

std::uint64_t MonotonicMicros() {
  // CLOCK_MONOTONIC exactly, because systemd compares MONOTONIC_USEC with its own clock.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

bool SystemdNotifier::Send(const std::string& state) {
  // unset_environment=0: the variables must survive for later calls and the watchdog.
  return sd_notify(0, state.c_str()) > 0;
}

std::string SystemdNotifier::EndpointStatus(std::size_t endpoint_count) {
  return "probing " + std::to_string(endpoint_count) +
         (endpoint_count == 1 ? " endpoint" : " endpoints");
}

void SystemdNotifier::Ready(const std::string& status) const { Send("READY=1\nSTATUS=" + status); }

void SystemdNotifier::Reloading() const {
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(MonotonicMicros()));
}

void SystemdNotifier::Stopping() const { Send("STOPPING=1\nSTATUS=stopping"); }

WatchdogPinger::WatchdogPinger(std::function<bool()> alive)
    : WatchdogPinger(IntervalFromEnvironment(), std::move(alive),
                     [] { SystemdNotifier::Send("WATCHDOG=1"); }) {}

WatchdogPinger::WatchdogPinger(Duration watchdog_interval, std::function<bool()> alive,
                               std::function<void()> ping)
    : period_(watchdog_interval / 2), alive_(std::move(alive)), ping_(std::move(ping)) {
  if (period_ > Duration::zero()) thread_ = std::thread(&WatchdogPinger::Run, this);
}

WatchdogPinger::~WatchdogPinger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WatchdogPinger::Duration WatchdogPinger::IntervalFromEnvironment() {
  // Also checks $WATCHDOG_PID, so a child that inherited the variables stays quiet.
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return Duration::zero();
  return Duration(usec);
}

std::uint64_t WatchdogPinger::pings_sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

std::uint64_t WatchdogPinger::pings_withheld() const {
  std::lock_guard<std::mutex> lock(mu_);
  return withheld_;
}

void WatchdogPinger::Run() {
  // Deadlines advance by whole periods from the start, so a slow alive() does not drift the
  // cadence towards the watchdog limit.
  auto next = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const bool alive = alive_();  // outside the lock: it may take the caller's own locks
    if (alive) ping_();
    lock.lock();
    ++(alive ? sent_ : withheld_);
    next += period_;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // after a stall, resume the cadence instead of bursting
    stop_cv_.wait_until(lock, next, [this] { return stop_; });
  }
}

}  // namespace latencyd
