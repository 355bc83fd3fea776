#include "daemon/metrics/metrics_collector.h"

#include "daemon/metrics/metric_families.h"
#include "daemon/metrics/process_metrics.h"

namespace latencyd {

std::vector<prometheus::MetricFamily> MetricsCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families = BuildMetricFamilies(provider_());
  if (with_process_metrics_) {
    for (prometheus::MetricFamily& family : BuildProcessMetricFamilies(ReadProcessStats())) {
      families.push_back(std::move(family));
    }
  }
  return families;
}

}  // namespace latencyd
