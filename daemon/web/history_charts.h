// The status page's 24-hour pictures of one endpoint as inline SVG: a sparkline of the bucket
// medians with the threshold drawn, and an availability bar. Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "daemon/window/history.h"

namespace latencyd {

// What one history bucket looks like on the availability bar, worst first.
enum class BucketCondition { kFailed, kSomeFailed, kBreached, kOk, kEmpty };
BucketCondition ConditionOf(const HistoryBucket& bucket);

// The medians of `history` (oldest first, the last bucket being the current one) as a line
// over 288 slots, with a dashed line at `threshold_seconds`; the scale reaches the larger of
// the highest median and 1.5 x the threshold. Empty-median buckets leave gaps.
std::string SparklineSvg(const std::vector<HistoryBucket>& history, double threshold_seconds);

// One coloured segment per run of buckets in the same condition; grey where nothing ran.
std::string AvailabilitySvg(const std::vector<HistoryBucket>& history);

}  // namespace latencyd
