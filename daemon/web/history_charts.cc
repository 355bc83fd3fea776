#include "daemon/web/history_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace latencyd {
namespace {

constexpr int kSlots = History::kBucketCount;
constexpr double kSparkHeight = 40;
constexpr double kSparkPad = 2;  // keeps the line's stroke inside the box

// The slot (0 = oldest of 24 h, 287 = now) of history[i]; the newest bucket is the open one.
int SlotOf(const std::vector<HistoryBucket>& history, std::size_t i) {
  const std::int64_t newest = history.back().start_unix_seconds;
  return kSlots - 1 -
         static_cast<int>((newest - history[i].start_unix_seconds) / History::kBucketSeconds);
}

std::string Fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

const char* ConditionClass(BucketCondition condition) {
  switch (condition) {
    case BucketCondition::kFailed:
      return "c-failed";
    case BucketCondition::kSomeFailed:
      return "c-somefailed";
    case BucketCondition::kBreached:
      return "c-breached";
    case BucketCondition::kOk:
      return "c-ok";
    case BucketCondition::kEmpty:
      return "c-empty";
  }
  return "c-empty";
}

}  // namespace

BucketCondition ConditionOf(const HistoryBucket& bucket) {
  if (bucket.successes + bucket.failures == 0) return BucketCondition::kEmpty;
  if (bucket.failures > bucket.successes) return BucketCondition::kFailed;
  if (bucket.failures > 0) return BucketCondition::kSomeFailed;
  if (bucket.breached) return BucketCondition::kBreached;
  return BucketCondition::kOk;
}

std::string SparklineSvg(const std::vector<HistoryBucket>& history, double threshold_seconds) {
  double top = threshold_seconds * 1.5;
  for (const HistoryBucket& b : history) {
    if (std::isfinite(b.median_seconds)) top = std::max(top, b.median_seconds);
  }
  if (!(top > 0)) top = 1;
  auto y = [top](double seconds) {
    return kSparkPad + (kSparkHeight - 2 * kSparkPad) * (1 - std::min(seconds, top) / top);
  };
  std::string path;
  bool pen_down = false;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const double median = history[i].median_seconds;
    if (!std::isfinite(median)) {
      pen_down = false;
      continue;
    }
    const int slot = SlotOf(history, i);
    if (slot < 0) continue;
    path += (pen_down ? "L" : "M") + std::to_string(slot) + " " + Fixed(y(median));
    // A lone point would be invisible: give every run a minimum width of one slot.
    if (!pen_down) path += "h1";
    pen_down = true;
  }
  const std::string limit = Fixed(y(threshold_seconds));
  std::string svg =
      "<svg class=\"spark\" viewBox=\"0 0 288 40\" preserveAspectRatio=\"none\" "
      "aria-hidden=\"true\" focusable=\"false\">";
  svg += "<line class=\"limit\" x1=\"0\" x2=\"288\" y1=\"" + limit + "\" y2=\"" + limit +
         "\" vector-effect=\"non-scaling-stroke\"/>";
  if (!path.empty()) {
    svg += "<path class=\"median\" d=\"" + path + "\" vector-effect=\"non-scaling-stroke\"/>";
  }
  return svg + "</svg>";
}

std::string AvailabilitySvg(const std::vector<HistoryBucket>& history) {
  std::string svg =
      "<svg class=\"avail\" viewBox=\"0 0 288 8\" preserveAspectRatio=\"none\" "
      "aria-hidden=\"true\" focusable=\"false\"><rect class=\"c-empty\" width=\"288\" "
      "height=\"8\"/>";
  std::size_t i = 0;
  while (i < history.size()) {
    const BucketCondition condition = ConditionOf(history[i]);
    std::size_t end = i + 1;
    while (end < history.size() && ConditionOf(history[end]) == condition &&
           SlotOf(history, end) == SlotOf(history, end - 1) + 1) {
      ++end;
    }
    const int first = SlotOf(history, i);
    if (condition != BucketCondition::kEmpty && first >= 0) {
      svg += "<rect class=\"" + std::string(ConditionClass(condition)) + "\" x=\"" +
             std::to_string(first) + "\" width=\"" +
             std::to_string(SlotOf(history, end - 1) - first + 1) + "\" height=\"8\"/>";
    }
    i = end;
  }
  return svg + "</svg>";
}

}  // namespace latencyd
