// ExpositionStream against the MetricFamily path (BuildMetricFamilies + SerializeExpositionText,
// itself held to prometheus-cpp's serializer): the same bytes for varied snapshots, whatever
// the piece size.
#include "daemon/metrics/exposition_stream.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "daemon/metrics/exposition_text.h"
#include "daemon/metrics/metric_families.h"
#include "daemon/window/histogram.h"

namespace latencyd {
namespace {

SummarySnapshot RandomSummary(std::mt19937& rng, bool empty) {
  SummarySnapshot s;
  std::uniform_real_distribution<double> seconds(0.00001, 2);
  for (double q : {0.5, 0.9, 0.99}) {
    s.quantiles.push_back({q, empty ? std::nan("") : seconds(rng)});
  }
  s.count = empty ? 0 : rng() % 100000;
  s.sum_seconds = empty ? 0 : seconds(rng) * 1000;
  return s;
}

// Endpoints of every shape the exporter handles: with and without results, baselines and own
// labels (some needing escapes, one clashing with a label latencyd sets), empty windows.
DaemonSnapshot VariedSnapshot(unsigned seed, int endpoints) {
  std::mt19937 rng(seed);
  DaemonSnapshot snapshot;
  for (int i = 0; i < endpoints; ++i) {
    EndpointSnapshot e;
    e.name = "ep_" + std::to_string(1000 + i);
    e.class_name = i % 3 == 0 ? "async" : "core";
    if (i % 2 == 0) e.labels = {{"team", "a\"b\\c\nd"}, {"zone", "eu-" + std::to_string(i)}};
    if (i % 5 == 0) e.labels["phase"] = "clashes";
    const bool empty = i % 4 == 1;
    e.duration = RandomSummary(rng, empty);
    for (auto& phase : e.phases) phase = RandomSummary(rng, empty);
    e.histogram.upper_bounds = DefaultBucketBounds();
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < e.histogram.upper_bounds.size(); ++b) {
      running += empty ? 0 : rng() % 50;
      e.histogram.cumulative.push_back(running);
    }
    e.histogram.count = running + (empty ? 0 : 3);
    e.histogram.sum_seconds = empty ? 0 : 12.5;
    e.successes = e.duration.count;
    e.failures = rng() % 7;
    e.failures_by_reason[static_cast<int>(probes::FailureReason::kTimeout)] = e.failures;
    e.skipped = rng() % 3;
    e.has_result = i % 7 != 6;
    e.last_success = i % 2 == 0;
    e.last_probe_timestamp_seconds = 1764093600.25 + i;
    e.last_http_status = i % 2 == 0 ? 200 : 503;
    e.threshold_seconds = e.class_name == "core" ? 0.005 : 0.1;
    e.threshold_quantile = i % 6 == 0 ? 0.9 : 0.5;
    e.breached = i % 3 == 2;
    e.window_samples = e.duration.count % 300;
    if (i % 3 != 0) e.http_version = i % 2 == 0 ? "1.1" : "2";
    if (i % 5 == 1) {
      e.tls_version = "TLSv1.3";
      e.cert_not_after_unix = 1790000000 + i;
    }
    e.judge = i % 4 == 3 ? "ttfb" : "total";
    e.judged_seconds = e.duration.quantiles[0].seconds;
    if (i % 5 == 2) e.labels["version"] = "clashes too";
    if (i % 4 == 0) {
      e.baseline_seconds = 0.0007161;
      e.baseline_tolerance = 0.15;
    }
    snapshot.endpoints.push_back(e);
  }
  snapshot.schedule_lag = RandomSummary(rng, false);
  snapshot.last_reload_successful = seed % 2 == 0;
  snapshot.last_reload_success_timestamp_seconds = 1764093000;
  snapshot.version = "0.1.0";
  snapshot.revision = "0123456789ab";
  return snapshot;
}

std::string ByFamilies(const DaemonSnapshot& snapshot, const ProcessStats* process) {
  std::vector<prometheus::MetricFamily> families = BuildMetricFamilies(snapshot);
  if (process != nullptr) {
    for (auto& family : BuildProcessMetricFamilies(*process)) families.push_back(family);
  }
  return SerializeExpositionText(families);
}

std::string Streamed(const DaemonSnapshot& snapshot, const ProcessStats* process,
                     std::size_t min_bytes, std::vector<std::size_t>* piece_sizes = nullptr) {
  ExpositionStream stream(snapshot, process);
  std::string text, piece;
  for (;;) {
    piece.clear();
    if (!stream.Next(piece, min_bytes)) break;
    EXPECT_EQ(piece.back(), '\n') << "a piece ends at a line end";
    if (piece_sizes != nullptr) piece_sizes->push_back(piece.size());
    text += piece;
  }
  EXPECT_FALSE(stream.Next(piece, min_bytes)) << "the end stays the end";
  return text;
}

TEST(ExpositionStreamTest, SameBytesAsTheMetricFamilyPath) {
  ProcessStats full;
  full.cpu_seconds = 12.75;
  full.open_fds = 17;
  full.max_fds = 1024;
  full.virtual_memory_bytes = 123456789;
  full.resident_memory_bytes = 4096;
  full.start_time_seconds = 1764093000.5;
  ProcessStats partial;
  partial.resident_memory_bytes = 8192;
  for (unsigned seed : {1u, 2u, 3u}) {
    const DaemonSnapshot snapshot = VariedSnapshot(seed, 40);
    for (const ProcessStats* process :
         {static_cast<const ProcessStats*>(nullptr), static_cast<const ProcessStats*>(&full),
          static_cast<const ProcessStats*>(&partial)}) {
      const std::string expected = ByFamilies(snapshot, process);
      EXPECT_EQ(Streamed(snapshot, process, std::numeric_limits<std::size_t>::max()), expected);
      EXPECT_EQ(Streamed(snapshot, process, 1), expected);
      EXPECT_EQ(Streamed(snapshot, process, 4096), expected);
    }
  }
}

TEST(ExpositionStreamTest, NoEndpointsStillWritesEveryHeaderAndTheDaemonFamilies) {
  DaemonSnapshot empty;
  empty.version = "v";
  EXPECT_EQ(Streamed(empty, nullptr, 100), ByFamilies(empty, nullptr));
}

TEST(ExpositionStreamTest, PiecesStayNearTheAskedSize) {
  const DaemonSnapshot snapshot = VariedSnapshot(7, 200);
  std::vector<std::size_t> sizes;
  const std::string text = Streamed(snapshot, nullptr, 16 * 1024, &sizes);
  ASSERT_GT(sizes.size(), 5u);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    EXPECT_GE(sizes[i], 16u * 1024);
    EXPECT_LT(sizes[i], 16u * 1024 + 8 * 1024) << "at most one endpoint's lines more";
  }
  EXPECT_EQ(text, RenderMetricsText(snapshot, nullptr));
}

}  // namespace
}  // namespace latencyd
