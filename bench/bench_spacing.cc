// Measures what probe spacing buys on a single-worker target: two endpoints of one
// single-worker server whose name-hash phases fall about a millisecond apart, probed
//   (a) on two host:port keys (127.0.0.1 and 127.0.0.2: the name-hash phases stand, so the
//       probes collide, as all endpoints did before per-host spacing), and
//   (b) on one host:port (spaced half an interval apart by the scheduler),
// plus (c) one endpoint alone as the floor. The real Monitor (engine, scheduler, windows)
// probes with fresh connections; figures are the exact window quantiles.
//
//   bench_spacing [--duration=60s] [--interval=100ms] [--service=2ms]
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_common.h"
#include "bench/single_worker_server.h"
#include "config/config.h"
#include "config/units.h"
#include "daemon/schedule/host_phases.h"
#include "daemon/schedule/monitor.h"
#include "daemon/schedule/schedule_math.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_spacing: what per-host probe spacing buys on a single-worker target.";

struct Options {
  Duration duration = std::chrono::seconds(60);
  Duration interval = std::chrono::milliseconds(100);
  Duration service = std::chrono::milliseconds(2);
};

// Two endpoint names whose hash phases at `interval` lie between 0.5 and 1.5 ms apart.
std::pair<std::string, std::string> CollidingNames(Duration interval) {
  std::vector<std::pair<Duration, std::string>> seen;
  for (int i = 0;; ++i) {
    std::string name = "route_" + std::to_string(i);
    const Duration offset = PhaseOffset(name, interval);
    for (const auto& [other_offset, other] : seen) {
      const Duration gap = offset > other_offset ? offset - other_offset : other_offset - offset;
      if (gap >= std::chrono::microseconds(500) && gap <= std::chrono::microseconds(1500)) {
        return offset > other_offset ? std::make_pair(other, name) : std::make_pair(name, other);
      }
    }
    seen.emplace_back(offset, std::move(name));
  }
}

std::string Ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", seconds * 1000);
  return buf;
}

// Probes `endpoints` (name, url) for the run and prints one row per endpoint.
void RunScenario(const char* label, const std::vector<std::pair<std::string, std::string>>& eps,
                 const Options& o) {
  const std::string interval = config::FormatDuration(o.interval);
  std::string yaml = "defaults: { interval: " + interval + ", timeout: " + interval +
                     ", window: " + config::FormatDuration(o.duration + std::chrono::seconds(10)) +
                     ", quantiles: [0.5, 0.9, 0.99] }\nendpoints:\n";
  std::vector<PhaseRequest> requests;
  for (const auto& [name, url] : eps) {
    yaml += "  - { name: " + name + ", url: \"" + url + "\", class: core }\n";
    requests.push_back({name, HostKey(url), o.interval, std::nullopt});
  }
  const std::vector<Duration> offsets = AssignPhaseOffsets(requests);
  Monitor monitor(Monitor::Options{1});
  monitor.Apply(config::ParseConfig(yaml, "bench_spacing.yml"));
  std::this_thread::sleep_for(o.duration);
  const DaemonSnapshot snapshot = monitor.Snapshot();
  monitor.Stop();
  for (std::size_t i = 0; i < eps.size(); ++i) {
    for (const EndpointSnapshot& e : snapshot.endpoints) {
      if (e.name != eps[i].first) continue;
      std::printf(
          "| %s | %s | %s | %s | %s | %s | %llu | %llu |\n", label, e.name.c_str(),
          Ms(std::chrono::duration<double>(offsets[i]).count()).c_str(),
          Ms(e.duration.quantiles[0].seconds).c_str(), Ms(e.duration.quantiles[1].seconds).c_str(),
          Ms(e.duration.quantiles[2].seconds).c_str(), static_cast<unsigned long long>(e.successes),
          static_cast<unsigned long long>(e.failures));
    }
  }
}

Duration DurationFlag(const Flags& flags, const std::string& name) {
  const std::optional<Duration> value = config::ParseDuration(flags.Str(name));
  if (!value) throw std::runtime_error("--" + name + ": not a duration: " + flags.Str(name));
  return *value;
}

int Run(const Flags& flags) {
  Options o;
  o.duration = DurationFlag(flags, "duration");
  o.interval = DurationFlag(flags, "interval");
  o.service = DurationFlag(flags, "service");
  const auto [first, second] = CollidingNames(o.interval);
  SingleWorkerServer server({"127.0.0.1", "127.0.0.2"},
                            std::chrono::duration_cast<std::chrono::microseconds>(o.service));
  std::printf(
      "Single-worker target (one thread, %s service time per request, Connection: "
      "close), fresh connection per probe, interval %s, %s per scenario, one probe "
      "loop.\n\n",
      config::FormatDuration(o.service).c_str(), config::FormatDuration(o.interval).c_str(),
      config::FormatDuration(o.duration).c_str());
  std::printf(
      "| scenario | endpoint | phase offset (ms) | p50 (ms) | p90 (ms) | p99 (ms) | "
      "successes | failures |\n|---|---|---|---|---|---|---|---|\n");
  RunScenario("alone (floor)", {{first, server.BaseUrl(0) + "/a"}}, o);
  RunScenario("two host keys: name-hash phases",
              {{first, server.BaseUrl(0) + "/a"}, {second, server.BaseUrl(1) + "/b"}}, o);
  RunScenario("one host key: spaced",
              {{first, server.BaseUrl(0) + "/a"}, {second, server.BaseUrl(0) + "/b"}}, o);
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_spacing", argc, argv, latencyd::bench::kUsage,
                                   {{"duration", "60s"}, {"interval", "100ms"}, {"service", "2ms"}},
                                   latencyd::bench::Run);
}
