#include "daemon/metrics/exposition_text.h"

#include <prometheus/metric_family.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "daemon/metrics/exposition_format.h"
#include "daemon/text/escape.h"

namespace latencyd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::size_t kNumberChars = kExpositionNumberChars;

std::string_view FormatDouble(double value, char (&buffer)[kNumberChars]) {
  return FormatExpositionNumber(value, buffer);
}

// Timestamps are signed, counts unsigned.
template <typename Integer>
std::string_view FormatInteger(Integer value, char (&buffer)[kNumberChars]) {
  auto result = std::to_chars(buffer, buffer + kNumberChars, value);
  return std::string_view(buffer, result.ptr - buffer);
}

// Appends to one string; every method writes one token of the format.
class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}

  void Raw(std::string_view text) { out_.append(text); }
  void Double(double value) { Raw(FormatDouble(value, buffer_)); }
  void Count(std::uint64_t value) { Raw(FormatInteger(value, buffer_)); }

  void LabelValue(std::string_view value) { AppendLabelValueEscaped(out_, value); }
  void Help(std::string_view text) { AppendHelpEscaped(out_, text); }

  // Metric name, suffix and labels (plus an optional extra one such as quantile or le), then
  // the space before the value.
  void Head(const MetricFamily& family, const ClientMetric& metric, std::string_view suffix,
            std::string_view extra_name = {}, std::string_view extra_value = {}) {
    Raw(family.name);
    Raw(suffix);
    if (!metric.label.empty() || !extra_name.empty()) {
      char separator = '{';
      for (const auto& label : metric.label) {
        Label(separator, label.name, label.value);
        separator = ',';
      }
      if (!extra_name.empty()) Label(separator, extra_name, extra_value);
      out_.push_back('}');
    }
    out_.push_back(' ');
  }

  // The timestamp when there is one, and the end of the line.
  void Tail(const ClientMetric& metric) {
    if (metric.timestamp_ms != 0) {
      out_.push_back(' ');
      Raw(FormatInteger(metric.timestamp_ms, buffer_));
    }
    out_.push_back('\n');
  }

 private:
  void Label(char separator, std::string_view name, std::string_view value) {
    out_.push_back(separator);
    Raw(name);
    Raw("=\"");
    LabelValue(value);
    out_.push_back('"');
  }

  std::string& out_;
  char buffer_[kNumberChars];
};

// The _count and _sum lines that open a summary or histogram.
void WriteCountAndSum(TextWriter& w, const MetricFamily& family, const ClientMetric& metric,
                      std::uint64_t count, double sum) {
  w.Head(family, metric, "_count");
  w.Count(count);
  w.Tail(metric);
  w.Head(family, metric, "_sum");
  w.Double(sum);
  w.Tail(metric);
}

void WriteSummary(TextWriter& w, const MetricFamily& family, const ClientMetric& metric) {
  const auto& summary = metric.summary;
  WriteCountAndSum(w, family, metric, summary.sample_count, summary.sample_sum);
  char quantile[kNumberChars];
  for (const auto& q : summary.quantile) {
    w.Head(family, metric, "", "quantile", FormatDouble(q.quantile, quantile));
    w.Double(q.value);
    w.Tail(metric);
  }
}

void WriteHistogram(TextWriter& w, const MetricFamily& family, const ClientMetric& metric) {
  const auto& histogram = metric.histogram;
  WriteCountAndSum(w, family, metric, histogram.sample_count, histogram.sample_sum);
  double last = -std::numeric_limits<double>::infinity();
  char bound[kNumberChars];
  for (const auto& bucket : histogram.bucket) {
    w.Head(family, metric, "_bucket", "le", FormatDouble(bucket.upper_bound, bound));
    last = bucket.upper_bound;
    w.Count(bucket.cumulative_count);
    w.Tail(metric);
  }
  if (last != std::numeric_limits<double>::infinity()) {
    w.Head(family, metric, "_bucket", "le", "+Inf");
    w.Count(histogram.sample_count);
    w.Tail(metric);
  }
}

// One line of a counter, gauge or untyped metric.
void WriteSingleValue(TextWriter& w, const MetricFamily& family, const ClientMetric& metric,
                      double value) {
  w.Head(family, metric, "");
  w.Double(value);
  w.Tail(metric);
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

void WriteFamily(TextWriter& w, const MetricFamily& family) {
  if (!family.help.empty()) {
    w.Raw("# HELP ");
    w.Raw(family.name);
    w.Raw(" ");
    w.Help(family.help);
    w.Raw("\n");
  }
  w.Raw("# TYPE ");
  w.Raw(family.name);
  w.Raw(" ");
  w.Raw(TypeName(family.type));
  w.Raw("\n");
  for (const ClientMetric& metric : family.metric) {
    switch (family.type) {
      case MetricType::Counter:
        WriteSingleValue(w, family, metric, metric.counter.value);
        break;
      case MetricType::Gauge:
        WriteSingleValue(w, family, metric, metric.gauge.value);
        break;
      case MetricType::Summary:
        WriteSummary(w, family, metric);
        break;
      case MetricType::Histogram:
        WriteHistogram(w, family, metric);
        break;
      case MetricType::Untyped:
        WriteSingleValue(w, family, metric, metric.untyped.value);
        break;
    }
  }
}

// A close upper estimate of the text's size, so that the string is allocated once instead of
// doubling (and copying) its way up to tens of MB.
std::size_t EstimateSize(const std::vector<MetricFamily>& families) {
  constexpr std::size_t kPerLine = 48;  // suffix, extra label, value, timestamp, punctuation
  std::size_t total = 0;
  for (const MetricFamily& family : families) {
    total += 2 * family.name.size() + family.help.size() + 32;
    for (const ClientMetric& metric : family.metric) {
      std::size_t lines = 1;
      if (family.type == MetricType::Summary) lines = 2 + metric.summary.quantile.size();
      if (family.type == MetricType::Histogram) lines = 3 + metric.histogram.bucket.size();
      std::size_t labels = 0;
      for (const auto& label : metric.label) labels += label.name.size() + label.value.size() + 4;
      total += lines * (family.name.size() + labels + kPerLine);
    }
  }
  return total;
}

}  // namespace

std::string FormatExpositionDouble(double value) {
  char buffer[kNumberChars];
  return std::string(FormatDouble(value, buffer));
}

std::string SerializeExpositionText(const std::vector<MetricFamily>& families) {
  std::string out;
  out.reserve(EstimateSize(families));
  TextWriter writer(out);
  for (const MetricFamily& family : families) WriteFamily(writer, family);
  return out;
}

}  // namespace latencyd
