// Tells systemd about the daemon's lifecycle (sd_notify) and keeps the service watchdog fed.
//
// Everything here is silent when the process was not started by systemd with Type=notify
// ($NOTIFY_SOCKET unset), so the daemon calls it unconditionally.
//
// The call sites: RunDaemon (daemon/run.cc) loads the config, binds the listener and starts
// probing, then sends Ready and starts a WatchdogPinger fed by Monitor::Alive; on SIGTERM or
// SIGINT it sends Stopping, destroys the pinger and stops the HTTP server and the probe loops.
// Reloader::Reload (daemon/reloader.cc, for SIGHUP, POST /-/reload and the endpoint-files
// watcher) sends Reloading, then Ready whether or not the reload succeeded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace latencyd {

// Sends lifecycle states over $NOTIFY_SOCKET. Thread-safe: each call is one datagram and the
// class holds no state, so the signal thread and HTTP handlers may call it concurrently.
class SystemdNotifier {
 public:
  // "READY=1" plus a STATUS= line: config loaded, listener bound, probing started.
  void Ready(const std::string& status) const;
  // "RELOADING=1" with MONOTONIC_USEC (systemd >= 253 needs it for Type=notify-reload and
  // ignores it before). Must be followed by Ready() whether or not the reload succeeded,
  // or systemd keeps the unit in the "reloading" state until the reload times out.
  void Reloading() const;
  // "STOPPING=1": shutdown has begun, so systemd does not mistake slow exits for hangs.
  void Stopping() const;

  // The STATUS= text used by main and reload, e.g. "probing 12 endpoints".
  static std::string EndpointStatus(std::size_t endpoint_count);

  // Sends one raw state string; false when not under systemd or sending failed.
  static bool Send(const std::string& state);
};

// Pings the systemd watchdog ("WATCHDOG=1") from its own thread at half the watchdog
// interval, but only while `alive()` returns true: a wedged probe loop stops the pings, and
// systemd then kills and restarts the service (WatchdogSec= with Restart=on-failure).
// Thread-safe: the public methods may be called from any thread; `alive` and `ping` run on
// the pinger's thread and must be thread-safe themselves.
class WatchdogPinger {
 public:
  using Duration = std::chrono::microseconds;

  // Interval from $WATCHDOG_USEC/$WATCHDOG_PID (sd_watchdog_enabled); inactive when unset.
  explicit WatchdogPinger(std::function<bool()> alive);
  // For tests and embedders: an explicit interval (zero: inactive) and how to ping.
  WatchdogPinger(Duration watchdog_interval, std::function<bool()> alive,
                 std::function<void()> ping);
  // Stops the thread promptly, without waiting for the next tick.
  ~WatchdogPinger();

  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

  // The watchdog interval systemd asked for in the environment; zero when disabled.
  static Duration IntervalFromEnvironment();

  // What the pinger did, for its tests (test/systemd/sd_notify_test.cc): without a real
  // systemd they are the only way to see that a wedged loop withholds pings and that the
  // thread starts only when systemd asked for a watchdog. Cheap, so kept public.
  bool active() const { return thread_.joinable(); }
  // Time between pings: half the watchdog interval, as sd_watchdog_enabled(3) advises.
  Duration period() const { return period_; }
  // Pings sent and ticks skipped because `alive()` said no.
  std::uint64_t pings_sent() const;
  std::uint64_t pings_withheld() const;

 private:
  void Run();

  const Duration period_;
  const std::function<bool()> alive_;
  const std::function<void()> ping_;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t withheld_ = 0;
  std::thread thread_;  // last: starts after every other member is initialised
};

}  // namespace latencyd
