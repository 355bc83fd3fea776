#include "daemon/window/breach_detector.h"

#include <algorithm>
#include <cmath>

namespace latencyd {
namespace {

double Logit(double p) { return std::log(p / (1 - p)); }
double Logistic(double x) { return 1 / (1 + std::exp(-x)); }

// Moves p (tuned for the median's boundary 0.5) to the same log-odds distance from `boundary`.
double Shift(double p, double boundary) { return Logistic(Logit(p) + Logit(boundary)); }

}  // namespace

BreachDetectorParams DetectorParamsFor(double quantile, double level) {
  BreachDetectorParams p;
  const double boundary = std::clamp(1 - quantile, 1e-6, 1 - 1e-6);
  p.rise_healthy = Shift(p.rise_healthy, boundary);
  p.rise_breached = Shift(p.rise_breached, boundary);
  p.fall_breached = Shift(p.fall_breached, boundary);
  p.fall_healthy = Shift(p.fall_healthy, boundary);
  if (level > 0) p.level = level;
  return p;
}

bool BreachDetectorParams::operator==(const BreachDetectorParams& other) const {
  return rise_healthy == other.rise_healthy && rise_breached == other.rise_breached &&
         fall_breached == other.fall_breached && fall_healthy == other.fall_healthy &&
         level == other.level && evidence_weight == other.evidence_weight;
}

bool BreachDetectorState::operator==(const BreachDetectorState& other) const {
  return breached == other.breached && rise == other.rise && fall == other.fall &&
         above_fraction == other.above_fraction && since_unix_seconds == other.since_unix_seconds &&
         samples == other.samples;
}

BreachDetector::BreachDetector(const BreachDetectorParams& params) { Tune(params); }

BreachDetector::Increments BreachDetector::LogLikelihoodRatios(double p_from, double p_to) {
  return {std::log(p_to / p_from), std::log((1 - p_to) / (1 - p_from))};
}

void BreachDetector::Tune(const BreachDetectorParams& params) {
  params_ = params;
  rise_ = LogLikelihoodRatios(params.rise_healthy, params.rise_breached);
  fall_ = LogLikelihoodRatios(params.fall_breached, params.fall_healthy);
}

void BreachDetector::SetParams(const BreachDetectorParams& params) {
  if (params == params_) return;
  Tune(params);
  Reset();  // statistics in the old tuning's units mean nothing in the new one
}

void BreachDetector::Reset() { state_ = BreachDetectorState{}; }

bool BreachDetector::Observe(bool above, double unix_seconds) {
  BreachDetectorState& s = state_;
  if (s.samples == 0) {
    s.since_unix_seconds = unix_seconds;  // judging begins: OK until evidence says otherwise
    s.above_fraction = above ? 1 : 0;
  } else {
    s.above_fraction += params_.evidence_weight * ((above ? 1 : 0) - s.above_fraction);
  }
  ++s.samples;
  auto step = [above](double statistic, const Increments& inc) {
    return std::max(0.0, statistic + (above ? inc.above : inc.below));
  };
  if (!s.breached) {
    s.rise = step(s.rise, rise_);
    if (s.rise >= params_.level) {
      Flip(unix_seconds);
      return true;
    }
  } else {
    s.fall = step(s.fall, fall_);
    if (s.fall >= params_.level) {
      Flip(unix_seconds);
      return true;
    }
  }
  return false;
}

void BreachDetector::Flip(double unix_seconds) {
  // Each direction starts from no evidence, so a flip needs a full run of evidence to undo.
  state_.breached = !state_.breached;
  state_.rise = state_.fall = 0;
  state_.since_unix_seconds = unix_seconds;
}

}  // namespace latencyd
