#include "daemon/metrics/metrics_collector.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <string>

#include "daemon/metrics/metric_families.h"

namespace latencyd {
namespace {

DaemonSnapshot OneEndpoint() {
  DaemonSnapshot snapshot;
  EndpointSnapshot endpoint;
  endpoint.name = "plone_info";
  endpoint.class_name = "core";
  endpoint.successes = 7;
  snapshot.endpoints.push_back(endpoint);
  snapshot.version = "0.1.0";
  snapshot.revision = "abc";
  return snapshot;
}

bool HasFamily(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return true;
  }
  return false;
}

TEST(MetricsCollectorTest, CollectTakesAFreshSnapshotEachTime) {
  int calls = 0;
  MetricsCollector collector(
      [&calls] {
        ++calls;
        return OneEndpoint();
      },
      /*with_process_metrics=*/false);
  const auto first = collector.Collect();
  collector.Collect();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(prometheus::TextSerializer().Serialize(first),
            RenderMetricsText(OneEndpoint(), nullptr));
  EXPECT_FALSE(HasFamily(first, "process_resident_memory_bytes"));
}

TEST(MetricsCollectorTest, AddsProcessMetricsByDefault) {
  MetricsCollector collector([] { return OneEndpoint(); });
  const auto families = collector.Collect();
  EXPECT_TRUE(HasFamily(families, "latencyd_build_info"));
  EXPECT_TRUE(HasFamily(families, "process_resident_memory_bytes"));
  EXPECT_TRUE(HasFamily(families, "process_start_time_seconds"));
}

}  // namespace
}  // namespace latencyd
