// bench_endpoint_memory: the heap bytes one endpoint costs in latencyd's own structures, by
// measurement (glibc's mallinfo2 in-use bytes before and after), for the memory formula in
// README.md: an EndpointState with a full window (per window length), and the per-endpoint
// share of one kept scrape snapshot (ScrapeRenderer keeps one, and a second only after a
// slow reader). No daemon, no network: the numbers are the data structures', not the
// machine's.
#include <malloc.h>

#include <iostream>
#include <memory>
#include <vector>

#include "bench/bench_common.h"
#include "bench/endpoint_fixture.h"
#include "daemon/metrics/scrape_renderer.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/histogram.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_endpoint_memory: heap bytes per endpoint of the window, histogram and state, and of\n"
    "a kept scrape snapshot, for windows of the given lengths at the given interval.";

std::size_t HeapInUse() { return mallinfo2().uordblks; }

struct Figures {
  double state_bytes = 0;     // EndpointState with a full window, per endpoint
  double snapshot_bytes = 0;  // one kept DaemonSnapshot, per endpoint
  std::size_t samples = 0;    // in each window
};

Figures Measure(int endpoints, std::chrono::seconds window, std::chrono::milliseconds interval) {
  config::ClassConfig klass{"core", std::chrono::milliseconds(5), 0.5, 5};
  const std::vector<double> bounds = DefaultBucketBounds();
  const std::size_t before = HeapInUse();
  std::vector<std::unique_ptr<EndpointState>> states;
  states.reserve(endpoints);
  for (int i = 0; i < endpoints; ++i) {
    states.push_back(
        std::make_unique<EndpointState>(CoreEndpoint(i, window, interval), klass, bounds));
  }
  // Fill every window: one successful probe per interval over the window's span.
  const auto start = std::chrono::steady_clock::now();
  const auto steps = window / interval;
  probes::ProbeResult result;
  result.ok = true;
  result.http_status = 200;
  for (long step = 0; step <= steps; ++step) {
    result.total = std::chrono::microseconds(400 + step % 97);
    result.phases.connect = std::chrono::microseconds(150 + step % 13);
    result.phases.ttfb = std::chrono::microseconds(200 + step % 17);
    result.phases.transfer = std::chrono::microseconds(30 + step % 5);
    for (auto& state : states) state->Record(result, start + step * interval);
  }
  const std::size_t with_states = HeapInUse();
  ScrapeRenderer renderer(
      [&](DaemonSnapshot& out) {
        out.endpoints.resize(states.size());
        const auto now = start + steps * interval;
        for (std::size_t i = 0; i < states.size(); ++i)
          states[i]->SnapshotInto(now, out.endpoints[i]);
      },
      1);
  { auto scrape = renderer.Begin(std::chrono::milliseconds(0)); }
  const std::size_t with_snapshot = HeapInUse();
  Figures figures;
  figures.state_bytes = static_cast<double>(with_states - before) / endpoints;
  figures.snapshot_bytes = static_cast<double>(with_snapshot - with_states) / endpoints;
  figures.samples = states.front()->Snapshot(start + steps * interval).window_samples;
  return figures;
}

int Run(const Flags& flags) {
  const int endpoints = flags.Int("endpoints");
  const auto interval = std::chrono::milliseconds(flags.Int("interval-ms"));
  std::cout << "# bench_endpoint_memory " << UtcNow() << "\n"
            << endpoints
            << " endpoints (4 quantiles, no own labels, default histogram buckets), interval "
            << interval.count() << " ms; heap in use by glibc's count (mallinfo2 uordblks)\n\n"
            << "| window | samples held | EndpointState, full window (bytes/endpoint) | "
               "kept scrape snapshot (bytes/endpoint) |\n|---|---|---|---|\n";
  for (int seconds : flags.IntList("windows-s")) {
    Figures f = Measure(endpoints, std::chrono::seconds(seconds), interval);
    std::cout << "| " << seconds << " s | " << f.samples << " | " << Fixed(f.state_bytes, 0)
              << " | " << Fixed(f.snapshot_bytes, 0) << " |\n";
  }
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  latencyd::bench::Flags flags(
      argc, argv, latencyd::bench::kUsage,
      {{"endpoints", "10000"}, {"interval-ms", "1000"}, {"windows-s", "60,300,900"}});
  return latencyd::bench::Run(flags);
}
