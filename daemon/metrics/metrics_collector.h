// A prometheus::Collectable over daemon snapshots, for code that exposes metrics through a
// prometheus::Registry; the HTTP server can use RenderMetricsText (metric_families.h) instead.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <utility>
#include <vector>

#include "daemon/window/snapshot.h"

namespace latencyd {

// Collect() takes a fresh snapshot from the provider and converts it with BuildMetricFamilies,
// followed by the process_* metrics unless disabled. Thread-safe if the provider is.
class MetricsCollector : public prometheus::Collectable {
 public:
  using SnapshotProvider = std::function<DaemonSnapshot()>;

  explicit MetricsCollector(SnapshotProvider provider, bool with_process_metrics = true)
      : provider_(std::move(provider)), with_process_metrics_(with_process_metrics) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  SnapshotProvider provider_;
  bool with_process_metrics_;
};

}  // namespace latencyd
