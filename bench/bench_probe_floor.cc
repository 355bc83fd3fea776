// bench_probe_floor: latencyd against the physical floor on one loopback target. In one run,
// the real daemon and a minimal raw-socket client probe the same nginx at the same interval
// with fresh connections; the program prints both latency distributions and CPU per probe.
#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/child_process.h"
#include "bench/daemon_process.h"
#include "bench/load_target.h"
#include "bench/metrics_text.h"
#include "bench/raw_http.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_probe_floor: latencyd's reported p50 and CPU per probe against a raw-socket client\n"
    "probing the same loopback target concurrently (fresh connection per probe). --runs unpinned\n"
    "runs (the headline: median and range of each ratio), alternating with as many pinned runs\n"
    "(--pin=1, the default: latencyd and the client on CPU 0, nginx on the last CPU) that show\n"
    "what pinning does to each prober.";

struct ClientRun {
  std::vector<double> total, connect, ttfb, transfer;  // seconds, successful probes
  int failures = 0;
  std::int64_t context_switches = 0;
  std::string first_error;
  double cpu_ns = 0;  // the client thread's CPU over the whole run, sleeps included
};

// Where the processes run. The headline is unpinned: the kernel places latencyd, the raw
// client and nginx, with the same freedom for both probers, as on a user's machine. Pinned runs
// (both probers on CPU 0, nginx's worker on the last CPU) alternate with them as a secondary
// figure: pinning makes every packet cross CPUs, which slows both probers, the raw client
// (a blocking connect that sleeps through the handshake) more than latencyd.
struct Placement {
  bool pinned = false;
  int prober_cpu = 0;  // latencyd (all threads) and the raw client thread
  int server_cpu = 0;  // nginx's worker
};

Placement MakePlacement(bool pinned) {
  Placement placement;
  placement.pinned = pinned;
  placement.server_cpu = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN) - 1);
  return placement;
}

void PinOrThrow(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("cannot set the CPU affinity of " + what + " (use --pin=0)");
}

void PinDaemon(const Placement& placement, const DaemonProcess& daemon) {
  if (placement.pinned) PinOrThrow(PinProcess(daemon.pid(), placement.prober_cpu), "latencyd");
}

// nginx keeps running across runs: pinned for a pinned run, every CPU allowed otherwise.
void PlaceServer(const Placement& placement, const LoadTarget& target) {
  for (pid_t pid : target.ServerPids()) {
    PinOrThrow(PinProcess(pid, placement.pinned ? placement.server_cpu : kUnpinned), "nginx");
  }
}

std::string DescribePlacement(const Placement& placement) {
  if (!placement.pinned) return "unpinned";
  return "pinned (probers CPU " + std::to_string(placement.prober_cpu) + ", nginx CPU " +
         std::to_string(placement.server_cpu) + ")";
}

ClientRun RunRawClient(const HttpTarget& target, std::chrono::milliseconds interval,
                       double seconds) {
  RawHttpClient client(target, /*connection_close=*/false);
  ClientRun run;
  const std::int64_t cpu_start = ThreadCpuNanos();
  const std::int64_t switches_start = ThreadContextSwitches();
  auto next = std::chrono::steady_clock::now();
  const auto end = next + std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::duration<double>(seconds));
  while (next < end) {
    std::this_thread::sleep_until(next);
    HttpExchange exchange = client.Get(/*keep_body=*/false);
    if (exchange.ok && exchange.status == 200) {
      run.total.push_back(std::chrono::duration<double>(exchange.total).count());
      run.connect.push_back(std::chrono::duration<double>(exchange.connect).count());
      run.ttfb.push_back(std::chrono::duration<double>(exchange.ttfb).count());
      run.transfer.push_back(
          std::chrono::duration<double>(exchange.total - exchange.connect - exchange.ttfb).count());
    } else {
      if (run.failures++ == 0) run.first_error = exchange.error;
    }
    next += interval;
  }
  run.cpu_ns = static_cast<double>(ThreadCpuNanos() - cpu_start);
  run.context_switches = ThreadContextSwitches() - switches_start;
  return run;
}

// The daemon's CPU per second when it has nothing to probe (one endpoint at 1h interval).
double MeasureIdleCpuRate(const Flags& flags, const Placement& placement, const LoadTarget& target,
                          const std::string& dir) {
  DaemonConfig config;
  config.urls = {target.Address(0).Url()};
  config.interval = "1h";
  config.window = "1h";  // the config demands window >= interval
  DaemonProcess daemon(flags.Str("latencyd"), dir, config, flags.Int("workers"));
  PinDaemon(placement, daemon);
  SleepSeconds(flags.Num("warmup"));
  const std::int64_t cpu0 = ProcessCpuNanos(daemon.pid());
  const auto t0 = std::chrono::steady_clock::now();
  SleepSeconds(flags.Num("idle"));
  const std::int64_t cpu1 = ProcessCpuNanos(daemon.pid());
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(cpu1 - cpu0) / elapsed;  // ns per second
}

struct DaemonFigures {
  double probes = 0, failures = 0;
  double p50 = 0, p90 = 0, p99 = 0;
  double connect_p50 = 0, ttfb_p50 = 0, transfer_p50 = 0;
  double window_samples = 0;
};

DaemonFigures ReadDaemon(const std::string& text) {
  auto quantile = [](const char* q) {
    return SeriesQuery{"latencyd_probe_duration_seconds", {{"quantile", q}}};
  };
  auto phase = [](const char* name) {
    return SeriesQuery{"latencyd_probe_phase_seconds", {{"phase", name}, {"quantile", "0.5"}}};
  };
  std::vector<SeriesSum> sums = SumSeries(text, {{"latencyd_probes_total", {}},
                                                 {"latencyd_probes_total", {{"result", "failure"}}},
                                                 quantile("0.5"),
                                                 quantile("0.9"),
                                                 quantile("0.99"),
                                                 phase("connect"),
                                                 phase("ttfb"),
                                                 phase("transfer"),
                                                 {"latencyd_window_samples", {}}});
  DaemonFigures figures;
  figures.probes = sums[0].sum;
  figures.failures = sums[1].sum;
  figures.p50 = sums[2].series ? sums[2].last : -1;
  figures.p90 = sums[3].series ? sums[3].last : -1;
  figures.p99 = sums[4].series ? sums[4].last : -1;
  figures.connect_p50 = sums[5].series ? sums[5].last : -1;
  figures.ttfb_p50 = sums[6].series ? sums[6].last : -1;
  figures.transfer_p50 = sums[7].series ? sums[7].last : -1;
  figures.window_samples = sums[8].sum;
  return figures;
}

std::string Us(double seconds) { return Fixed(seconds * 1e6, 1); }

// Both probers over the same seconds: the daemon (already warm) between two scrapes, the raw
// client on a thread of this process.
struct Measurement {
  DaemonFigures start, end;
  ClientRun raw;
  double elapsed = 0;
  double daemon_cpu_ns = 0;
  std::int64_t daemon_switches = 0;
};

Measurement MeasureConcurrently(const Flags& flags, const Placement& placement,
                                const HttpTarget& address, const std::string& dir) {
  const double seconds = flags.Num("duration");
  DaemonConfig config;
  config.urls = {address.Url()};
  config.interval = flags.Str("interval-ms") + "ms";
  config.timeout = config.interval;
  config.window = std::to_string(static_cast<int>(seconds)) + "s";  // only measured samples
  DaemonProcess daemon(flags.Str("latencyd"), dir, config, flags.Int("workers"));
  PinDaemon(placement, daemon);
  SleepSeconds(flags.Num("warmup"));
  Scrape before = daemon.ScrapeMetrics();
  Measurement m;
  const std::int64_t cpu0 = ProcessCpuNanos(daemon.pid());
  const std::int64_t switches0 = ContextSwitches(daemon.pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::thread client([&] {
    if (!PinThread(0, placement.pinned ? placement.prober_cpu : kUnpinned)) {
      std::cerr << "bench_probe_floor: warning: the raw client could not be placed\n";
    }
    m.raw = RunRawClient(address, std::chrono::milliseconds(flags.Int("interval-ms")), seconds);
  });
  client.join();
  m.daemon_cpu_ns = static_cast<double>(ProcessCpuNanos(daemon.pid()) - cpu0);
  m.daemon_switches = ContextSwitches(daemon.pid()) - switches0;
  m.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Scrape after = daemon.ScrapeMetrics();
  if (!before.ok || !after.ok) {
    throw std::runtime_error("scrape failed: " + before.error + " / " + after.error);
  }
  m.start = ReadDaemon(before.body);
  m.end = ReadDaemon(after.body);
  return m;
}

// One run's figures, latencyd against the raw client over the same seconds.
struct RunFigures {
  Placement placement;
  double load = 0;                                // 1-minute load average at the end of the run
  double lat[3] = {0, 0, 0}, raw[3] = {0, 0, 0};  // p50, p90, p99 (s)
  double lat_phase[3] = {0, 0, 0}, raw_phase[3] = {0, 0, 0};   // connect, ttfb, transfer p50 (s)
  double lat_cpu_us = 0, lat_cpu_idle_us = 0, raw_cpu_us = 0;  // CPU per probe
  double lat_switches = 0, raw_switches = 0;                   // per probe
  double lat_probes = 0, lat_failures = 0, raw_probes = 0, raw_failures = 0;
  double P50Ratio() const { return lat[0] / raw[0]; }
  double P90Ratio() const { return lat[1] / raw[1]; }
  double CpuRatio() const { return lat_cpu_us / raw_cpu_us; }
};

double LoadAverage1() { return std::stod(LoadAverage()); }

RunFigures Summarize(Measurement& m, const Placement& placement, double idle_rate) {
  RunFigures f;
  f.placement = placement;
  f.load = LoadAverage1();
  f.lat[0] = m.end.p50;
  f.lat[1] = m.end.p90;
  f.lat[2] = m.end.p99;
  f.raw[0] = Quantile(m.raw.total, 0.5);
  f.raw[1] = Quantile(m.raw.total, 0.9);
  f.raw[2] = Quantile(m.raw.total, 0.99);
  f.lat_phase[0] = m.end.connect_p50;
  f.lat_phase[1] = m.end.ttfb_p50;
  f.lat_phase[2] = m.end.transfer_p50;
  f.raw_phase[0] = Quantile(m.raw.connect, 0.5);
  f.raw_phase[1] = Quantile(m.raw.ttfb, 0.5);
  f.raw_phase[2] = Quantile(m.raw.transfer, 0.5);
  f.lat_probes = m.end.probes - m.start.probes;
  f.lat_failures = m.end.failures - m.start.failures;
  f.raw_probes = static_cast<double>(m.raw.total.size() + m.raw.failures);
  f.raw_failures = m.raw.failures;
  f.lat_cpu_us = m.daemon_cpu_ns / f.lat_probes / 1e3;
  f.lat_cpu_idle_us = (m.daemon_cpu_ns - idle_rate * m.elapsed) / f.lat_probes / 1e3;
  f.raw_cpu_us = m.raw.cpu_ns / f.raw_probes / 1e3;
  f.lat_switches = static_cast<double>(m.daemon_switches) / f.lat_probes;
  f.raw_switches = static_cast<double>(m.raw.context_switches) / f.raw_probes;
  return f;
}

void PrintRunHeader() {
  std::cout << "\n| run | placement | load | p50 µs latencyd / raw | p50 ratio | p90 ratio | "
               "connect p50 | ttfb p50 | transfer p50 | CPU/probe µs | CPU ratio | "
               "ctx sw/probe | probes (failed) |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
}

std::string Pair(double a, double b) { return Us(a) + " / " + Us(b); }

void PrintRunRow(int index, const RunFigures& f) {
  std::cout << "| " << index << " | " << DescribePlacement(f.placement) << " | " << Fixed(f.load, 2)
            << " | " << Pair(f.lat[0], f.raw[0]) << " | " << Ratio(f.lat[0], f.raw[0]) << " | "
            << Ratio(f.lat[1], f.raw[1]) << " | " << Pair(f.lat_phase[0], f.raw_phase[0]) << " | "
            << Pair(f.lat_phase[1], f.raw_phase[1]) << " | " << Pair(f.lat_phase[2], f.raw_phase[2])
            << " | " << Fixed(f.lat_cpu_us, 1) << " / " << Fixed(f.raw_cpu_us, 1) << " | "
            << Ratio(f.lat_cpu_us, f.raw_cpu_us) << " | " << Fixed(f.lat_switches, 1) << " / "
            << Fixed(f.raw_switches, 1) << " | " << Fixed(f.lat_probes, 0) << " ("
            << Fixed(f.lat_failures, 0) << ") / " << Fixed(f.raw_probes, 0) << " ("
            << Fixed(f.raw_failures, 0) << ") |" << std::endl;
}

// Median and range of `value` over the runs of one placement.
struct Spread {
  double median = 0, low = 0, high = 0;
  int runs = 0;
};

template <typename F>
Spread SpreadOf(const std::vector<RunFigures>& runs, bool pinned, F value) {
  std::vector<double> values;
  for (const RunFigures& f : runs) {
    if (f.placement.pinned == pinned) values.push_back(value(f));
  }
  Spread s;
  s.runs = static_cast<int>(values.size());
  if (values.empty()) return s;
  s.median = Quantile(values, 0.5);  // sorts
  s.low = values.front();
  s.high = values.back();
  return s;
}

std::string RatioSpread(const Spread& s) {
  return Fixed(s.median, 2) + "x (" + Fixed(s.low, 2) + "x–" + Fixed(s.high, 2) + "x)";
}

std::string UsSpread(const Spread& s) {
  return Us(s.median) + " (" + Us(s.low) + "–" + Us(s.high) + ")";
}

// A difference in µs with its sign (Fixed prints negative values as n/a).
std::string SignedUs(double seconds) {
  return (seconds < 0 ? "-" : "+") + Us(seconds < 0 ? -seconds : seconds);
}

std::string SignedUsSpread(const Spread& s) {
  return SignedUs(s.median) + " (" + SignedUs(s.low) + " to " + SignedUs(s.high) + ")";
}

// The headline: unpinned runs, median (range) of each ratio, and where latencyd's extra time
// is, phase by phase (latencyd's phase minus the raw client's, medians over the runs).
void PrintHeadline(const std::vector<RunFigures>& runs) {
  auto p50 = SpreadOf(runs, false, [](const RunFigures& f) { return f.P50Ratio(); });
  auto p90 = SpreadOf(runs, false, [](const RunFigures& f) { return f.P90Ratio(); });
  auto cpu = SpreadOf(runs, false, [](const RunFigures& f) { return f.CpuRatio(); });
  if (p50.runs == 0) return;
  std::cout << "\n### Headline: unpinned (kernel placement for every process), " << p50.runs
            << " runs, median (range)\n\n| figure | latencyd | raw client | ratio |\n"
               "|---|---|---|---|\n";
  const char* names[3] = {"p50", "p90", "p99"};
  for (int q = 0; q < 3; ++q) {
    auto lat = SpreadOf(runs, false, [q](const RunFigures& f) { return f.lat[q]; });
    auto raw = SpreadOf(runs, false, [q](const RunFigures& f) { return f.raw[q]; });
    auto ratio = SpreadOf(runs, false, [q](const RunFigures& f) { return f.lat[q] / f.raw[q]; });
    std::cout << "| " << names[q] << " (µs) | " << UsSpread(lat) << " | " << UsSpread(raw) << " | "
              << RatioSpread(ratio) << " |\n";
  }
  auto lat_cpu = SpreadOf(runs, false, [](const RunFigures& f) { return f.lat_cpu_us * 1e-6; });
  auto raw_cpu = SpreadOf(runs, false, [](const RunFigures& f) { return f.raw_cpu_us * 1e-6; });
  std::cout << "| CPU per probe (µs) | " << UsSpread(lat_cpu) << " | " << UsSpread(raw_cpu) << " | "
            << RatioSpread(cpu) << " |\n";
  std::cout << "\n| latencyd minus raw client, p50 (µs) | median (range) |\n|---|---|\n";
  auto total = SpreadOf(runs, false, [](const RunFigures& f) { return f.lat[0] - f.raw[0]; });
  std::cout << "| total | " << SignedUsSpread(total) << " |\n";
  const char* phases[3] = {"connect (connect() until writable)",
                           "ttfb (connected until the first response byte, request write included)",
                           "transfer (first byte to the end)"};
  for (int i = 0; i < 3; ++i) {
    auto d =
        SpreadOf(runs, false, [i](const RunFigures& f) { return f.lat_phase[i] - f.raw_phase[i]; });
    std::cout << "| " << phases[i] << " | " << SignedUsSpread(d) << " |\n";
  }
  std::cout << "\nfloor.unpinned.p50_ratio=" << RatioSpread(p50) << " (goal <= 1.10x)\n"
            << "floor.unpinned.p90_ratio=" << RatioSpread(p90) << " (goal <= 1.15x)\n"
            << "floor.unpinned.cpu_ratio=" << RatioSpread(cpu) << "\n";
}

// Secondary: what pinning does to each prober (medians over the runs of each placement).
void PrintPinned(const std::vector<RunFigures>& runs) {
  auto lat_u = SpreadOf(runs, false, [](const RunFigures& f) { return f.lat[0]; });
  auto lat_p = SpreadOf(runs, true, [](const RunFigures& f) { return f.lat[0]; });
  auto raw_u = SpreadOf(runs, false, [](const RunFigures& f) { return f.raw[0]; });
  auto raw_p = SpreadOf(runs, true, [](const RunFigures& f) { return f.raw[0]; });
  auto cpu_u = SpreadOf(runs, false, [](const RunFigures& f) { return f.CpuRatio(); });
  auto cpu_p = SpreadOf(runs, true, [](const RunFigures& f) { return f.CpuRatio(); });
  auto ratio_p = SpreadOf(runs, true, [](const RunFigures& f) { return f.P50Ratio(); });
  auto ratio_u = SpreadOf(runs, false, [](const RunFigures& f) { return f.P50Ratio(); });
  if (lat_p.runs == 0) return;
  std::cout << "\n### Secondary: what pinning does (probers on CPU 0, nginx on the last CPU), "
            << lat_p.runs << " pinned runs against " << lat_u.runs
            << " unpinned, medians\n\n| p50 (µs) | unpinned | pinned | pinned / unpinned |\n"
               "|---|---|---|---|\n"
            << "| latencyd | " << Us(lat_u.median) << " | " << Us(lat_p.median) << " | "
            << Ratio(lat_p.median, lat_u.median) << " |\n"
            << "| raw client | " << Us(raw_u.median) << " | " << Us(raw_p.median) << " | "
            << Ratio(raw_p.median, raw_u.median) << " |\n"
            << "| p50 ratio latencyd / raw | " << RatioSpread(ratio_u) << " | "
            << RatioSpread(ratio_p) << " | |\n"
            << "| CPU ratio latencyd / raw | " << RatioSpread(cpu_u) << " | " << RatioSpread(cpu_p)
            << " | |\n";
  std::cout << "\nfloor.pinned.p50_ratio=" << RatioSpread(ratio_p)
            << " (pinning slows the raw client more: not the headline)\n";
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  TempDir dir;
  LoadTarget target(LoadTarget::Options{flags.Str("target"), flags.Str("nginx"), 1});
  const HttpTarget address = target.Address(0);
  const int runs = flags.Int("runs");
  const bool with_pinned = flags.Int("pin") != 0 && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  std::cout << "# bench_probe_floor " << UtcNow() << "\nmachine: " << MachineSummary()
            << "\nload average at start: " << LoadAverage() << "\ntarget: " << target.description()
            << " at " << address.Url() << "\nruns: " << runs << " unpinned"
            << (with_pinned ? " alternating with " + std::to_string(runs) + " pinned" : "") << ", "
            << flags.Str("duration") << " s each at " << flags.Str("interval-ms")
            << " ms, fresh connection per probe, both probers concurrently\n";
  const Placement unpinned = MakePlacement(false);
  PlaceServer(unpinned, target);
  const double idle_rate =
      flags.Num("idle") > 0 ? MeasureIdleCpuRate(flags, unpinned, target, dir.path()) : 0;
  std::cout << "daemon idle CPU: " << Fixed(idle_rate / 1e3, 1) << " µs/s (" << flags.Str("idle")
            << " s, one endpoint at 1h interval, unpinned)" << std::endl;
  std::vector<RunFigures> figures;
  PrintRunHeader();
  for (int i = 0; i < runs * (with_pinned ? 2 : 1); ++i) {
    const Placement placement = MakePlacement(with_pinned && i % 2 == 1);
    PlaceServer(placement, target);
    Measurement m = MeasureConcurrently(flags, placement, address, dir.path());
    figures.push_back(Summarize(m, placement, idle_rate));
    PrintRunRow(i + 1, figures.back());
  }
  std::cout
      << "\nphases: latencyd's connect runs from just before socket() until it (its own "
         "client for this IP-literal URL) is about to send the request, its ttfb from there to "
         "the first byte, its transfer 0 when the whole response came in one recv "
         "(probes/README.md, Phases); the raw client's connect is its blocking connect(), its "
         "ttfb from connected to the first byte (request write included).\n";
  PrintHeadline(figures);
  PrintPinned(figures);
  std::cout << "\nload average at end: " << LoadAverage() << "\n";
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_probe_floor", argc, argv, latencyd::bench::kUsage,
                                   {{"duration", "20"},
                                    {"runs", "5"},
                                    {"interval-ms", "100"},
                                    {"warmup", "3"},
                                    {"idle", "10"},
                                    {"workers", "0"},
                                    {"pin", "1"},
                                    {"target", "auto"},
                                    {"nginx", "/usr/sbin/nginx"},
                                    {"latencyd", latencyd::bench::DefaultDaemonPath()}},
                                   latencyd::bench::Run);
}
