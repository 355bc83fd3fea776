// SustainedRate: per-second counts in a one-minute ring, the ratio and its log lines.
#include "daemon/schedule/sustained_rate.h"

#include <string>

#include "daemon/log.h"
#include "daemon/text/escape.h"

namespace latencyd {
namespace {

std::int64_t SecondOf(SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string Percent(double ratio) { return FormatFixed(ratio * 100, 1) + "%"; }

}  // namespace

SustainedRate::Notice SustainedRate::SumLocked(std::int64_t second) const {
  Notice n;
  for (const Bucket& b : buckets_) {
    if (b.second > second - kWindowSeconds && b.second <= second) {
      n.ran += b.ran;
      n.skipped += b.skipped;
    }
  }
  const std::uint64_t due = n.ran + n.skipped;
  n.ratio = due == 0 ? 1.0 : static_cast<double>(n.ran) / static_cast<double>(due);
  return n;
}

std::optional<SustainedRate::Notice> SustainedRate::Record(SteadyTime now, std::uint64_t ran,
                                                           std::uint64_t skipped) {
  const std::int64_t second = SecondOf(now);
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[static_cast<std::size_t>(second % kWindowSeconds)];
  if (bucket.second != second) bucket = Bucket{second, 0, 0};
  bucket.ran += ran;
  bucket.skipped += skipped;
  if (second <= last_judged_) return std::nullopt;
  last_judged_ = second;
  // Judged on the complete seconds only: the current one has just begun.
  Notice n = SumLocked(second - 1);
  n.overloaded = n.ratio < kWarnBelow;
  if (n.overloaded) {
    if (overloaded_ && now - last_log_ < kLogEvery) return std::nullopt;
    overloaded_ = true;
    last_log_ = now;
    return n;
  }
  if (!overloaded_) return std::nullopt;
  overloaded_ = false;
  return n;
}

double SustainedRate::Ratio(SteadyTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  return SumLocked(SecondOf(now)).ratio;
}

void SustainedRate::RecordAndLog(SteadyTime now, std::uint64_t ran, std::uint64_t skipped) {
  std::optional<Notice> notice = Record(now, ran, skipped);
  if (!notice) return;
  const std::string sustained = Percent(notice->ratio);
  const std::string ran_text = std::to_string(notice->ran);
  const std::string skipped_text = std::to_string(notice->skipped);
  if (notice->overloaded) {
    log::Warn(
        "overloaded: probes skipped because latencyd could not start them in time (not charged "
        "to their targets); probe fewer endpoints, less often, or give latencyd more CPU",
        {{"sustained", sustained},
         {"ran_last_minute", ran_text},
         {"skipped_last_minute", skipped_text}});
  } else {
    log::Info("probe rate sustained again", {{"sustained", sustained},
                                             {"ran_last_minute", ran_text},
                                             {"skipped_last_minute", skipped_text}});
  }
}

}  // namespace latencyd
