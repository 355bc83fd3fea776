// The demo API's latency model: how long each simulated request takes and how that time is
// spent, so that a client measuring end to end sees the reference service's medians.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>

namespace latencyd::demo {

using Micros = std::chrono::duration<double, std::micro>;

// Draws service times around a target: target x lognormal(0, sigma) x slow factor, minus the
// server's own overhead (accept, parse, write, close), which the client sees on top of the
// service time. The median of the result is therefore on target end to end.
// Thread-safe: Draw() may be called from every worker; the slow factor is atomic.
class ServiceTimeModel {
 public:
  ServiceTimeModel(Micros overhead, double sigma, unsigned seed);

  // How long the handler should work so the client sees about `target_median` at the median.
  Micros Draw(Micros target_median);

  void set_slow_factor(double factor) { slow_factor_.store(factor); }
  double slow_factor() const { return slow_factor_.load(); }
  Micros overhead() const { return overhead_; }

 private:
  const Micros overhead_;
  std::atomic<double> slow_factor_{1.0};
  std::mutex mu_;  // guards the generator and distribution, which are not thread-safe
  std::mt19937_64 rng_;
  std::lognormal_distribution<double> jitter_;
};

// Occupies the calling thread for `duration`: sleeps for the bulk, then spins through the
// last stretch, because a sleep alone overshoots by the timer slack (50-100 us), which would
// inflate sub-millisecond medians by 10% or more.
void Work(Micros duration);

}  // namespace latencyd::demo
