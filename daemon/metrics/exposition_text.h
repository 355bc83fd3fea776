// Metric families as Prometheus text exposition (format 0.0.4), written straight into one
// string. At 10,000 endpoints a scrape is 730,000 lines; prometheus::TextSerializer spends
// most of its time in ostream machinery and glibc's printf for doubles, this writer appends
// to a string and formats doubles with std::to_chars.
#pragma once

#include <string>
#include <vector>

namespace prometheus {
struct MetricFamily;
}  // namespace prometheus

namespace latencyd {

// The same bytes as prometheus::TextSerializer of prometheus-cpp 1.0.1 (an equivalence test
// holds it to that), except that a HELP text's backslashes and newlines are escaped as the
// format requires (prometheus-cpp writes them raw, which breaks the exposition), and that
// invalid UTF-8 in label values and HELP texts becomes U+FFFD (the format requires UTF-8;
// prometheus-cpp passes the bytes through and Prometheus rejects the scrape). Doubles are
// written like printf's "%.16g", NaN as "Nan", infinities as "+Inf"/"-Inf"; histograms get a
// le="+Inf" bucket when their last bound is finite.
std::string SerializeExpositionText(const std::vector<prometheus::MetricFamily>& families);

// A double as SerializeExpositionText writes values and the quantile and le labels.
std::string FormatExpositionDouble(double value);

}  // namespace latencyd
