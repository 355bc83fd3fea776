// Simulates seeded endpoints through the daemon's breach detector (and through today's rule,
// window median > threshold for 5 minutes) and prints detection delays, false flips and flaps
// as Markdown. Time is the probe count (1 probe = 1 simulated second); nothing sleeps.
//
//   bench_detector [--endpoints=N] [--weeks=N] [--level=H] [--seed=S]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "daemon/window/breach_detector.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_detector: the breach detector against today's rule on simulated endpoints\n"
    "(`level` 0 keeps the default decision level).";

constexpr double kThreshold = 1.0;  // every duration is a multiple of the threshold
constexpr int kProbesPerWeek = 604'800;
constexpr int kWindowProbes = 300;  // today's rule: a 5-minute window of 1 s probes
constexpr int kForProbes = 300;     // ... and `for: 5m`
constexpr int kEvalEvery = 15;      // Prometheus evaluates the rule every 15 s

struct NoiseModel {
  const char* name;
  double sigma;           // of the lognormal body
  double spike_fraction;  // share of samples that are spikes
  double spike_multiple;  // spike value, times the threshold
};

const NoiseModel kModels[] = {
    {"lognormal s=0.5 + 2% spikes at 10x", 0.5, 0.02, 10},
    {"lognormal s=0.2 (tight)", 0.2, 0, 0},
    {"lognormal s=0.8 + 5% spikes at 10x", 0.8, 0.05, 10},
};

double InverseNormalCdf(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// Draws judged durations whose true median is `level` x the threshold (spikes included).
class Source {
 public:
  Source(const NoiseModel& model, std::uint64_t seed) : model_(model), rng_(seed) {}
  void SetLevel(double level) {
    // The body's median sits below the mixture's by the spikes' share: (1-s) F(m) = 1/2.
    const double z = InverseNormalCdf(0.5 / (1 - model_.spike_fraction));
    log_body_median_ = std::log(level) - model_.sigma * z;
  }
  double Next() {
    if (model_.spike_fraction > 0 && uniform_(rng_) < model_.spike_fraction) {
      return model_.spike_multiple * kThreshold;
    }
    return std::exp(log_body_median_ + model_.sigma * normal_(rng_));
  }

 private:
  NoiseModel model_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_;
  std::uniform_real_distribution<double> uniform_;
  double log_body_median_ = 0;
};

// Today's rule: the window median is judged every kEvalEvery probes; the alert fires once the
// condition held at every evaluation for kForProbes and resolves at the first false one.
class TodaysRule {
 public:
  explicit TodaysRule(int eval_phase) : phase_(eval_phase) {}
  // Returns true when the firing state changed.
  bool Observe(double sample, std::int64_t t) {
    ring_[t % kWindowProbes] = sample;
    if (t < kWindowProbes || (t + phase_) % kEvalEvery != 0) return false;
    std::copy(std::begin(ring_), std::end(ring_), std::begin(scratch_));
    std::nth_element(scratch_, scratch_ + kWindowProbes / 2, scratch_ + kWindowProbes);
    const double high = scratch_[kWindowProbes / 2];
    const double low = *std::max_element(scratch_, scratch_ + kWindowProbes / 2);
    const bool over = (low + high) / 2 > kThreshold;
    if (!over) {
      pending_since_ = -1;
      if (firing_) return !(firing_ = false);
      return false;
    }
    if (pending_since_ < 0) pending_since_ = t;
    if (!firing_ && t - pending_since_ >= kForProbes) return firing_ = true;
    return false;
  }
  bool firing() const { return firing_; }

 private:
  int phase_;
  double ring_[kWindowProbes] = {};
  double scratch_[kWindowProbes] = {};
  std::int64_t pending_since_ = -1;
  bool firing_ = false;
};

struct Options {
  int endpoints = 1000;
  int weeks = 100;  // endpoint-weeks of stationary noise
  double level = 0;
  std::uint64_t seed = 1;
};

// Both judges side by side on one simulated endpoint.
struct Endpoint {
  Endpoint(const NoiseModel& model, const Options& options, std::uint64_t id)
      : source(model, options.seed * 1'000'003 + id),
        detector(DetectorParamsFor(0.5, options.level)),
        today(static_cast<int>(id % kEvalEvery)) {}
  // Returns {detector flipped, today's rule flipped}.
  std::pair<bool, bool> Step() {
    const double sample = source.Next();
    ++t;
    return {detector.Observe(sample > kThreshold, static_cast<double>(t)),
            today.Observe(sample, t)};
  }
  Source source;
  BreachDetector detector;
  TodaysRule today;
  std::int64_t t = 0;
};

std::string Quantiles(std::vector<std::int64_t> delays, std::int64_t limit) {
  if (delays.empty()) return "–";
  std::sort(delays.begin(), delays.end());
  auto at = [&](double q) {
    const std::int64_t v = delays[static_cast<std::size_t>(q * (delays.size() - 1))];
    return v > limit ? std::string("never") : std::to_string(v);
  };
  return at(0.5) + " / " + at(0.9) + " / " + at(0.99) + " / " + at(1.0);
}

// Warms at `from` (until the detector reaches `want_breached` and 600 probes passed), steps to
// `to`, and returns how many probes each judge took to reach the opposite state.
void StepExperiment(const NoiseModel& model, const Options& options, double from, double to,
                    bool start_breached, std::int64_t limit, const char* label) {
  std::vector<std::int64_t> ours, today;
  for (int id = 0; id < options.endpoints; ++id) {
    Endpoint e(model, options, static_cast<std::uint64_t>(id));
    e.source.SetLevel(from);
    for (int i = 0; i < 20'000; ++i) {
      e.Step();
      if (i >= 900 && e.detector.state().breached == start_breached &&
          e.today.firing() == start_breached) {
        break;
      }
    }
    e.source.SetLevel(to);
    std::int64_t ours_delay = limit + 1, today_delay = limit + 1;
    for (std::int64_t k = 1; k <= limit; ++k) {
      e.Step();
      if (ours_delay > limit && e.detector.state().breached != start_breached) ours_delay = k;
      if (today_delay > limit && e.today.firing() != start_breached) today_delay = k;
      if (ours_delay <= limit && today_delay <= limit) break;
    }
    ours.push_back(ours_delay);
    today.push_back(today_delay);
  }
  std::printf("| %s | %s | %s |\n", label, Quantiles(ours, limit).c_str(),
              Quantiles(today, limit).c_str());
}

// Counts flips into breached (stationary below the threshold) or all state changes (at it);
// for the latter also the share of 10-minute blocks with more than one change.
void StationaryExperiment(const NoiseModel& model, const Options& options, double level,
                          int endpoints, std::int64_t probes, bool count_all, const char* label,
                          double per_probes, const char* unit) {
  std::uint64_t ours = 0, today = 0, blocks = 0, ours_flappy = 0, today_flappy = 0;
  for (int id = 0; id < endpoints; ++id) {
    Endpoint e(model, options, 1'000'000 + static_cast<std::uint64_t>(id));
    e.source.SetLevel(level);
    int ours_in_block = 0, today_in_block = 0;
    for (std::int64_t k = 0; k < probes; ++k) {
      const auto [ours_flip, today_flip] = e.Step();
      if (ours_flip && (count_all || e.detector.state().breached)) ++ours, ++ours_in_block;
      if (today_flip && (count_all || e.today.firing())) ++today, ++today_in_block;
      if ((k + 1) % 600 == 0) {
        ++blocks;
        ours_flappy += ours_in_block > 1 ? 1 : 0;
        today_flappy += today_in_block > 1 ? 1 : 0;
        ours_in_block = today_in_block = 0;
      }
    }
  }
  const double scale = per_probes / (static_cast<double>(endpoints) * probes);
  std::printf("| %s (%d endpoints x %lld probes) | %.3g %s | %.3g %s |\n", label, endpoints,
              static_cast<long long>(probes), ours * scale, unit, today * scale, unit);
  if (count_all) {
    std::printf(
        "| 10-minute blocks with more than one state change at the threshold | %.2f %% | "
        "%.2f %% |\n",
        100.0 * ours_flappy / blocks, 100.0 * today_flappy / blocks);
  }
}

void RunModel(const NoiseModel& model, const Options& options) {
  std::printf("\n### %s\n\n", model.name);
  std::printf("| experiment | detector | today's rule (median of 5 m > threshold, for: 5m) |\n");
  std::printf("|---|---|---|\n");
  StepExperiment(model, options, 0.3, 1.6, false, 3000,
                 "probes to flip, 0.3x -> 1.6x (p50 / p90 / p99 / max)");
  StepExperiment(model, options, 0.3, 1.15, false, 3000,
                 "probes to flip, 0.3x -> 1.15x (p50 / p90 / p99 / max)");
  StepExperiment(model, options, 1.6, 0.3, true, 3000,
                 "probes to clear, 1.6x -> 0.3x (p50 / p90 / p99 / max)");
  StationaryExperiment(model, options, 0.8, options.weeks, kProbesPerWeek, false,
                       "false flips at a true median of 0.8x", kProbesPerWeek, "per endpoint-week");
  StationaryExperiment(model, options, 1.0, std::max(1, options.weeks / 7), kProbesPerWeek, true,
                       "state changes at exactly the threshold", 600, "per 10 min");
}

Options OptionsFrom(const Flags& flags) {
  Options o;
  o.endpoints = flags.Int("endpoints");
  o.weeks = flags.Int("weeks");
  o.level = flags.Num("level");
  o.seed = std::stoull(flags.Str("seed"));
  return o;
}

int Run(const Flags& flags) {
  const Options options = OptionsFrom(flags);
  const BreachDetectorParams p = DetectorParamsFor(0.5, options.level);
  std::printf(
      "Breach detector simulation: judged quantile 0.5, 1 s probes, seed %llu, %d "
      "endpoints per step experiment, %d endpoint-weeks at 0.8x.\n",
      static_cast<unsigned long long>(options.seed), options.endpoints, options.weeks);
  std::printf("Tuning: rise %.3g -> %.3g, fall %.3g -> %.3g, h = %.3g.\n", p.rise_healthy,
              p.rise_breached, p.fall_breached, p.fall_healthy, p.level);
  for (const NoiseModel& model : kModels) RunModel(model, options);
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench(
      "bench_detector", argc, argv, latencyd::bench::kUsage,
      {{"endpoints", "1000"}, {"weeks", "100"}, {"level", "0"}, {"seed", "1"}},
      latencyd::bench::Run);
}
