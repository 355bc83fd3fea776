// The /metrics text of a DaemonSnapshot written a piece at a time, straight from the snapshot:
// a scrape never holds the whole text (62 MB at 10,000 endpoints) nor a MetricFamily tree of
// it (730,000 ClientMetrics), only the snapshot and one piece. Byte-identical to
// SerializeExpositionText(BuildMetricFamilies(...)) followed by the process families (a test
// holds it to that).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/metrics/process_metrics.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

// Not thread-safe; one per scrape. `snapshot` (and `process`, when not null) must outlive
// the stream and stay unchanged while it writes.
class ExpositionStream {
 public:
  ExpositionStream(const DaemonSnapshot& snapshot, const ProcessStats* process);

  // Appends whole lines to `out` until at least `min_bytes` were appended or the text ends.
  // Returns false, appending nothing, once everything has been written.
  bool Next(std::string& out, std::size_t min_bytes);

 private:
  using LabelPair = std::pair<std::string_view, std::string_view>;

  bool Present(std::size_t family) const;
  void WriteHeader(std::size_t family);
  void WriteEndpoint(std::size_t family, const EndpointSnapshot& endpoint);
  void WriteDaemonWide(std::size_t family);
  void SetEndpointLabels(const EndpointSnapshot& endpoint);

  // Line pieces; the current labels are labels_.
  void Head(std::string_view suffix, std::string_view extra_name = {},
            std::string_view extra_value = {});
  void Value(double value);
  void Count(std::uint64_t value);
  void Single(double value);  // a counter's or gauge's whole line
  void Summary(const SummarySnapshot& summary);
  void Histogram(const HistogramSnapshot& histogram);

  const DaemonSnapshot& snapshot_;
  const ProcessStats* process_;
  std::size_t family_ = 0;    // index into kMetricCatalog
  std::size_t endpoint_ = 0;  // the next endpoint of a per-endpoint family
  bool header_written_ = false;
  std::string_view name_;          // of the family being written
  std::vector<LabelPair> labels_;  // of the series being written; storage reused
  std::string* out_ = nullptr;
};

}  // namespace latencyd
