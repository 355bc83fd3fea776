// The probe engine: K event loops, each owning a libcurl multi handle, running thousands of
// probes concurrently without a thread per probe. Thread-safe: Submit may be called from any
// thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "probes/probe.h"

namespace latencyd::probes {

// A ProbeSpec made ready to run repeatedly: its body regex compiled once, not per probe.
class PreparedProbe {
 public:
  // Throws std::invalid_argument when body_regex does not compile.
  explicit PreparedProbe(ProbeSpec spec);
  ~PreparedProbe();
  PreparedProbe(const PreparedProbe&) = delete;
  PreparedProbe& operator=(const PreparedProbe&) = delete;

  const ProbeSpec& spec() const { return spec_; }
  // True when the body passes the regex (or there is none).
  bool BodyMatches(const std::string& body) const;

  // Engine-internal state built once (regex, libcurl header list, deadline in ms); defined in
  // probes/prepared_probe_internal.h. Thread-safe to read: it never changes after construction.
  struct Compiled;
  const Compiled& compiled() const { return *compiled_; }

 private:
  ProbeSpec spec_;
  std::unique_ptr<Compiled> compiled_;
};

class ProbeEngine {
 public:
  struct Options {
    int workers = 0;  // event loops; 0: one per core
    // Idle keep-alive connections each loop keeps for reuse (keepalive probes only).
    int max_idle_connections = 1024;
  };
  // Called exactly once per submitted probe, on a worker thread, unless the engine is stopped
  // first. Must return quickly: it runs inside the event loop.
  using Callback = std::function<void(const ProbeResult&)>;

  explicit ProbeEngine(Options options);
  ~ProbeEngine();  // Stop()
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  // Starts `probe` as soon as possible on the loop chosen by `affinity` (the same affinity
  // always lands on the same loop, so keep-alive connections can be reused). The probe fails
  // with kTimeout at the earlier of its spec's timeout and `deadline` (the scheduler passes
  // its endpoint's next slot, so a probe never runs into it). A probe that starts with less
  // than half its spec's timeout left before `deadline` (its loop was late) is not run: its
  // result says SkipCause::kStartedLate, since a shorter deadline would judge the target by
  // latencyd's own lateness.
  void Submit(std::shared_ptr<const PreparedProbe> probe, std::uint64_t affinity, Callback done,
              SteadyTime deadline = SteadyTime::max());

  // Like Submit, but the loop itself starts the probe at `start_at` (to within a millisecond),
  // so a caller can hand over its next probe right away and no thread wakes to start it. A
  // probe whose `cancelled` flag is set by then is dropped without a callback.
  void SubmitAt(SteadyTime start_at, std::shared_ptr<const PreparedProbe> probe,
                std::uint64_t affinity, Callback done, SteadyTime deadline,
                std::shared_ptr<const std::atomic<bool>> cancelled);

  // Aborts probes in flight (their callbacks are not called) and joins the loops. Idempotent;
  // wakes every loop and returns once libcurl has closed their sockets. Submit after
  // Stop drops the probe without a callback. Must not be called from a callback.
  void Stop();

  int workers() const;
  // Probes submitted and not yet completed (queued or running).
  std::size_t in_flight() const;
  // The oldest of the loops' heartbeats. A loop waiting in epoll_wait reads as the current time
  // (until the moment it meant to wake); a busy loop as the start of its current turn, which
  // lasts milliseconds. So an old value means a loop stuck outside epoll_wait, e.g. in a callback
  // (the systemd watchdog then stops pinging).
  SteadyTime OldestHeartbeat() const;

 private:
  class Worker;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace latencyd::probes
