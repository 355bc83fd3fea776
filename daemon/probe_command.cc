#include "daemon/probe_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <ostream>
#include <thread>
#include <vector>

#include "daemon/text/human_units.h"
#include "daemon/window/quantile.h"
#include "probes/probe_engine.h"

namespace latencyd {
namespace {

constexpr double kQuantiles[] = {0.5, 0.9, 0.95, 0.99};

double Seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string Row(const std::vector<std::string>& cells) {
  std::string line;
  for (const std::string& cell : cells) {
    char padded[32];
    std::snprintf(padded, sizeof(padded), "%10s", cell.c_str());
    line += padded;
  }
  return line + "\n";
}

std::string ProbeRow(int number, const probes::ProbeResult& result) {
  std::vector<std::string> cells = {std::to_string(number), std::to_string(result.http_status),
                                    FormatSeconds(Seconds(result.total))};
  for (int phase = 0; phase < probes::kPhaseCount; ++phase) {
    cells.push_back(FormatSeconds(Seconds(probes::PhaseAt(result.phases, phase))));
  }
  cells.push_back(result.connection_reused ? "yes" : "no");
  std::string line = Row(cells);
  if (!result.ok) {
    line.pop_back();
    line +=
        "  FAILED " + std::string(probes::ReasonName(result.reason)) + ": " + result.error + "\n";
  }
  return line;
}

std::string QuantileRow(const std::string& name, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<std::string> cells = {name};
  for (double q : kQuantiles) cells.push_back(FormatSeconds(ExactQuantile(values, q)));
  cells.push_back(FormatSeconds(values.empty() ? NAN : values.front()));
  cells.push_back(FormatSeconds(values.empty() ? NAN : values.back()));
  return Row(cells);
}

probes::ProbeResult ProbeOnce(probes::ProbeEngine& engine,
                              const std::shared_ptr<const probes::PreparedProbe>& probe) {
  std::promise<probes::ProbeResult> done;
  std::future<probes::ProbeResult> result = done.get_future();
  engine.Submit(probe, 0, [&done](const probes::ProbeResult& r) { done.set_value(r); });
  return result.get();
}

}  // namespace

int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out) {
  probes::ProbeSpec spec;
  spec.url = options.url;
  spec.timeout = options.timeout;
  spec.keepalive = options.keepalive;
  auto probe = std::make_shared<const probes::PreparedProbe>(spec);
  probes::ProbeEngine engine(probes::ProbeEngine::Options{1});

  out << "probing " << options.url << " " << options.count << " times every "
      << FormatSeconds(Seconds(options.interval))
      << (options.keepalive ? " (keep-alive)\n" : " (a fresh connection per probe)\n");
  out << Row({"#", "status", "total", "dns", "connect", "tls", "ttfb", "transfer", "reused"});
  std::vector<double> totals;
  std::vector<std::vector<double>> phases(probes::kPhaseCount);
  int failures = 0;
  auto next = std::chrono::steady_clock::now();
  for (int i = 1; i <= options.count; ++i) {
    probes::ProbeResult result = ProbeOnce(engine, probe);
    out << ProbeRow(i, result) << std::flush;
    if (result.ok) {
      totals.push_back(Seconds(result.total));
      for (int p = 0; p < probes::kPhaseCount; ++p) {
        phases[p].push_back(Seconds(probes::PhaseAt(result.phases, p)));
      }
    } else {
      ++failures;
    }
    next += options.interval;  // fixed rate, like the daemon
    if (i < options.count) std::this_thread::sleep_until(next);
  }
  out << "\nsuccessful probes (" << totals.size() << "), exact quantiles:\n";
  out << Row({"", "p50", "p90", "p95", "p99", "min", "max"});
  out << QuantileRow("total", totals);
  for (int p = 0; p < probes::kPhaseCount; ++p) {
    out << QuantileRow(std::string(probes::PhaseName(p)), phases[p]);
  }
  out << options.count << " probes: " << (options.count - failures) << " ok, " << failures
      << " failed\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace latencyd
