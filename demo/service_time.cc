#include "demo/service_time.h"

#include <algorithm>
#include <thread>

namespace latencyd::demo {
namespace {

// Below this much remaining time a sleep risks overshooting the deadline, so we spin.
constexpr Micros kSpinStretch{1000.0};

}  // namespace

ServiceTimeModel::ServiceTimeModel(Micros overhead, double sigma, unsigned seed)
    : overhead_(overhead), rng_(seed), jitter_(0.0, sigma) {}

Micros ServiceTimeModel::Draw(Micros target_median) {
  double jitter;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jitter = jitter_(rng_);
  }
  // The lognormal's median is exp(0) = 1, so the end-to-end median stays on target.
  Micros end_to_end = target_median * (jitter * slow_factor_.load());
  return std::max(Micros{0}, end_to_end - overhead_);
}

void Work(Micros duration) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(duration);
  if (duration > kSpinStretch) {
    std::this_thread::sleep_until(deadline -
                                  std::chrono::duration_cast<Clock::duration>(kSpinStretch));
  }
  while (Clock::now() < deadline) {
    // Spin: the remaining stretch is shorter than the scheduler's wake-up precision.
  }
}

}  // namespace latencyd::demo
