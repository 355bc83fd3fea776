// The sequential breach detector of one endpoint: CUSUM tests on the stream of "judged sample
// above the threshold" that decide, with hysteresis, whether the class quantile is above the
// threshold. Pure: no clock, no locks; the caller passes each sample's time.
#pragma once

#include <cstdint>

namespace latencyd {

// Tuning of the detector, in terms of p = P(judged sample > threshold). The class quantile q
// is above the threshold exactly when p > 1 - q (the "boundary", 0.5 for the median). Each
// direction is a one-sided Bernoulli CUSUM of log-likelihood ratios between two exceedance
// probabilities; it fires when its statistic reaches `level`. The defaults are the median's,
// chosen with bench/bench_detector (figures in bench/README.md).
struct BreachDetectorParams {
  // Rising test (OK -> breached), run while OK.
  double rise_healthy = 0.4;   // p treated as healthy
  double rise_breached = 0.7;  // p it is tuned to detect
  // Falling test (breached -> OK), run while breached. Its probabilities sit lower than the
  // rising test's, so at exactly the boundary both statistics drift down (hysteresis).
  double fall_breached = 0.55;  // p treated as still breached
  double fall_healthy = 0.25;   // p it is tuned to recognise as recovered
  // h of both tests; higher: fewer false flips, slower verdicts (about e^-h false alarms per
  // probe at p = rise_healthy).
  double level = 9;
  // Weight of the newest sample in the evidence (an exponentially weighted fraction).
  double evidence_weight = 1.0 / 32;
  bool operator==(const BreachDetectorParams& other) const;
};

// The tuning for judging quantile `quantile` (0 < q < 1): the probabilities above keep their
// log-odds distance from the boundary 1 - q. `level` <= 0 keeps the default h.
BreachDetectorParams DetectorParamsFor(double quantile, double level);

// Everything the detector remembers: small and plain, so it can be saved and restored.
struct BreachDetectorState {
  bool breached = false;
  double rise = 0;  // CUSUM statistics (natural log-likelihood ratio units, >= 0)
  double fall = 0;
  double above_fraction = 0;      // exponentially weighted fraction of samples above
  double since_unix_seconds = 0;  // when `breached` last changed (or judging began); 0: unknown
  std::uint64_t samples = 0;      // samples judged since the state was created or reset
  bool operator==(const BreachDetectorState& other) const;
};

// Not thread-safe: the owner (EndpointState) serialises access.
class BreachDetector {
 public:
  explicit BreachDetector(const BreachDetectorParams& params = {});

  // Judges one sample taken at `unix_seconds`: `above` is whether it exceeded the threshold (a
  // timed-out probe whose deadline is above the threshold counts as above). Returns true when
  // the state flipped.
  bool Observe(bool above, double unix_seconds);

  // Forgets all evidence (the threshold or the judged quantile changed).
  void Reset();

  // Adopts new tuning and forgets all evidence, unless the tuning is the same.
  void SetParams(const BreachDetectorParams& params);

  const BreachDetectorState& state() const { return state_; }
  void Restore(const BreachDetectorState& state) { state_ = state; }
  const BreachDetectorParams& params() const { return params_; }

 private:
  // The log-likelihood-ratio increments of one test for a sample above / not above.
  struct Increments {
    double above = 0;
    double below = 0;
  };
  static Increments LogLikelihoodRatios(double p_from, double p_to);
  void Tune(const BreachDetectorParams& params);
  void Flip(double unix_seconds);

  BreachDetectorParams params_;
  Increments rise_;
  Increments fall_;
  BreachDetectorState state_;
};

}  // namespace latencyd
