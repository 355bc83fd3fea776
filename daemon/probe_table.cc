// The probe command's table and summary text.
#include "daemon/probe_table.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "daemon/text/human_units.h"
#include "daemon/window/quantile.h"

namespace latencyd {
namespace {

constexpr std::size_t kColumnWidth = 10;
constexpr double kQuantiles[] = {0.5, 0.9, 0.95, 0.99};

double Seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string QuantileRow(const std::string& name, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<std::string> cells = {name};
  for (double q : kQuantiles) cells.push_back(FormatSeconds(ExactQuantile(values, q)));
  cells.push_back(FormatSeconds(values.front()));
  cells.push_back(FormatSeconds(values.back()));
  return TableRow(cells);
}

std::string QuantileTable(const std::vector<probes::ProbeResult>& ok) {
  std::vector<double> totals;
  std::vector<std::vector<double>> phases(probes::kPhaseCount);
  for (const probes::ProbeResult& result : ok) {
    totals.push_back(Seconds(result.total));
    for (int p = 0; p < probes::kPhaseCount; ++p) {
      phases[p].push_back(Seconds(probes::PhaseAt(result.phases, p)));
    }
  }
  std::string out = "\nsuccessful probes (" + std::to_string(ok.size()) + "), exact quantiles:\n";
  out += TableRow({"", "p50", "p90", "p95", "p99", "min", "max"});
  out += QuantileRow("total", totals);
  for (int p = 0; p < probes::kPhaseCount; ++p) {
    out += QuantileRow(std::string(probes::PhaseName(p)), phases[p]);
  }
  return out;
}

// Each distinct failure once, with how often it happened, in order of first occurrence.
std::string FailureList(const std::vector<probes::ProbeResult>& results) {
  std::vector<std::string> order;
  std::map<std::string, int> counts;
  for (const probes::ProbeResult& result : results) {
    if (result.ok) continue;
    std::string line = std::string(probes::ReasonName(result.reason)) + ": " + result.error;
    if (counts[line]++ == 0) order.push_back(line);
  }
  std::string out = "\nno probe succeeded:\n";
  for (const std::string& line : order) {
    out +=
        "  " + line + (counts[line] > 1 ? " (x" + std::to_string(counts[line]) + ")" : "") + "\n";
  }
  return out;
}

}  // namespace

std::size_t DisplayWidth(const std::string& text) {
  // Every byte but UTF-8 continuation bytes (10xxxxxx) starts a character.
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string TableRow(const std::vector<std::string>& cells) {
  std::string line;
  for (const std::string& cell : cells) {
    std::size_t width = DisplayWidth(cell);
    if (width < kColumnWidth) line.append(kColumnWidth - width, ' ');
    line += cell;
  }
  return line + "\n";
}

std::string ProbeTableHeader() {
  return TableRow({"#", "status", "total", "dns", "connect", "tls", "ttfb", "transfer", "reused"});
}

std::string ProbeTableRow(int number, const probes::ProbeResult& result) {
  std::vector<std::string> cells = {
      std::to_string(number), result.http_status == 0 ? "-" : std::to_string(result.http_status),
      FormatSeconds(Seconds(result.total))};
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    cells.push_back(FormatSeconds(Seconds(probes::PhaseAt(result.phases, phase))));
  }
  cells.push_back(result.connection_reused ? "yes" : "no");
  std::string line = TableRow(cells);
  if (!result.ok) {
    line.pop_back();
    line +=
        "  FAILED " + std::string(probes::ReasonName(result.reason)) + ": " + result.error + "\n";
  }
  return line;
}

std::string ProbeSummary(const std::vector<probes::ProbeResult>& results) {
  std::vector<probes::ProbeResult> ok;
  std::copy_if(results.begin(), results.end(), std::back_inserter(ok),
               [](const probes::ProbeResult& r) { return r.ok; });
  std::string out = ok.empty() ? FailureList(results) : QuantileTable(ok);
  return out + std::to_string(results.size()) + " probes: " + std::to_string(ok.size()) + " ok, " +
         std::to_string(results.size() - ok.size()) + " failed\n";
}

std::string ConnectionFacts(const std::vector<probes::ProbeResult>& results,
                            std::chrono::system_clock::time_point now) {
  const auto last = std::find_if(results.rbegin(), results.rend(),
                                 [](const auto& r) { return !r.http_version.empty(); });
  if (last == results.rend()) return "";
  std::string out = "last response: HTTP/" + last->http_version;
  if (!last->tls_version.empty()) {
    out += ", " + last->tls_version +
           (last->tls_session_reused ? " (session resumed)" : " (full handshake)");
  } else if (last->connection_reused) {
    out += ", reused connection (no handshake)";
  }
  if (std::isfinite(last->cert_not_after_unix)) {
    const double now_unix = std::chrono::duration<double>(now.time_since_epoch()).count();
    const double days = (last->cert_not_after_unix - now_unix) / 86400;
    out += ", certificate expires " + FormatIsoUtc(last->cert_not_after_unix) + " (in " +
           std::to_string(static_cast<long long>(days)) + " days)";
  }
  return out + "\n";
}

}  // namespace latencyd
