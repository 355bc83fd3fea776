// How a DaemonSnapshot becomes Prometheus metrics: MetricFamily values (prometheus-cpp's plain
// data types, no registry), written as exposition text for /metrics. Callers of the text
// functions need no Prometheus headers; callers of the MetricFamily functions include
// <prometheus/metric_family.h>. Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "daemon/metrics/process_metrics.h"
#include "daemon/window/snapshot.h"

namespace prometheus {
struct MetricFamily;
}  // namespace prometheus

namespace latencyd {

// Every latencyd_* metric of the README's "Metrics" section for `snapshot` (the baseline
// series only for endpoints with a baseline): names, types, help texts (metric_catalog.h) and
// labels as that section fixes them. Endpoint series carry `endpoint`,
// `class` and the endpoint's own labels (own labels that clash with those or with a label
// latencyd adds are dropped, since a duplicate label would fail the whole scrape). Pure.
std::vector<prometheus::MetricFamily> BuildMetricFamilies(const DaemonSnapshot& snapshot);

// The standard process_* metrics for the figures that are present. Pure.
std::vector<prometheus::MetricFamily> BuildProcessMetricFamilies(const ProcessStats& stats);

// The /metrics body in Prometheus text format 0.0.4, whole: the snapshot's metrics followed by
// process_* read from /proc/self now. Written by ExpositionStream (exposition_stream.h), which
// the HTTP server uses piece by piece instead.
std::string RenderMetricsText(const DaemonSnapshot& snapshot);
// The same with given process figures; nullptr leaves process_* out (golden tests).
std::string RenderMetricsText(const DaemonSnapshot& snapshot, const ProcessStats* process);

}  // namespace latencyd
