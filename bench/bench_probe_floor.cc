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
    "probing the same loopback target concurrently (fresh connection per probe).";

struct ClientRun {
  std::vector<double> total, connect, ttfb, transfer;  // seconds, successful probes
  int failures = 0;
  std::int64_t context_switches = 0;
  std::string first_error;
  double cpu_ns = 0;  // the client thread's CPU over the whole run, sleeps included
};

// Where the processes run. Unpinned on a 2-core VM, each prober's CPU per probe depends on
// where the kernel happens to put it relative to nginx (a probe's kernel TCP work and cache
// warmth change with it), and the ratio wanders by ±15 % between runs. Pinned, both probers
// share one CPU and the target has the other, so they are measured under the same conditions.
struct Placement {
  bool pinned = false;
  int prober_cpu = 0;  // latencyd (all threads) and the raw client thread
  int server_cpu = 0;  // nginx's worker
};

Placement ChoosePlacement(const Flags& flags) {
  Placement placement;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  placement.pinned = flags.Int("pin") != 0 && cpus >= 2;
  placement.server_cpu = static_cast<int>(cpus - 1);
  return placement;
}

void PinOrThrow(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("cannot pin " + what + " (use --pin=0)");
}

void PinDaemon(const Placement& placement, const DaemonProcess& daemon) {
  if (placement.pinned) PinOrThrow(PinProcess(daemon.pid(), placement.prober_cpu), "latencyd");
}

std::string DescribePlacement(const Placement& placement) {
  if (!placement.pinned) return "unpinned (the kernel places every process)";
  return "latencyd and the raw client pinned to CPU " + std::to_string(placement.prober_cpu) +
         ", nginx's worker to CPU " + std::to_string(placement.server_cpu);
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

void PrintLatency(const DaemonFigures& daemon, ClientRun& raw) {
  double raw_p50 = Quantile(raw.total, 0.5), raw_p90 = Quantile(raw.total, 0.9);
  double raw_p99 = Quantile(raw.total, 0.99);
  std::cout << "\n| latency (µs) | latencyd (reported) | raw client | ratio |\n|---|---|---|---|\n"
            << "| p50 | " << Us(daemon.p50) << " | " << Us(raw_p50) << " | "
            << Ratio(daemon.p50, raw_p50) << " |\n"
            << "| p90 | " << Us(daemon.p90) << " | " << Us(raw_p90) << " | "
            << Ratio(daemon.p90, raw_p90) << " |\n"
            << "| p99 | " << Us(daemon.p99) << " | " << Us(raw_p99) << " | "
            << Ratio(daemon.p99, raw_p99) << " |\n"
            << "| connect p50 | " << Us(daemon.connect_p50) << " | "
            << Us(Quantile(raw.connect, 0.5)) << " | |\n"
            << "| ttfb p50 (latencyd) / write+ttfb p50 (raw) | " << Us(daemon.ttfb_p50) << " | "
            << Us(Quantile(raw.ttfb, 0.5)) << " | |\n"
            << "| transfer p50 | " << Us(daemon.transfer_p50) << " | "
            << Us(Quantile(raw.transfer, 0.5)) << " | |\n";
  std::cout << "\nfloor.p50_ratio=" << Ratio(daemon.p50, raw_p50) << " (goal <= 1.25x)\n";
}

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
    if (placement.pinned && !PinThread(0, placement.prober_cpu)) {
      std::cerr << "bench_probe_floor: warning: the raw client could not be pinned\n";
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

void PrintCpu(const Measurement& m, double idle_rate) {
  const double probes = m.end.probes - m.start.probes;
  const double raw_probes = static_cast<double>(m.raw.total.size() + m.raw.failures);
  const double daemon_per_probe = m.daemon_cpu_ns / probes / 1e3;
  const double adjusted = (m.daemon_cpu_ns - idle_rate * m.elapsed) / probes / 1e3;
  const double raw_per_probe = m.raw.cpu_ns / raw_probes / 1e3;
  std::cout << "\n| CPU per probe (µs) | latencyd | raw client | ratio |\n|---|---|---|---|\n"
            << "| total process CPU / probes | " << Fixed(daemon_per_probe, 1) << " | "
            << Fixed(raw_per_probe, 1) << " | " << Ratio(daemon_per_probe, raw_per_probe)
            << " |\n| minus idle baseline (" << Fixed(idle_rate / 1e3, 1) << " µs/s) | "
            << Fixed(adjusted, 1) << " | " << Fixed(raw_per_probe, 1) << " | "
            << Ratio(adjusted, raw_per_probe) << " |\n| context switches per probe | "
            << Fixed(static_cast<double>(m.daemon_switches) / probes, 1) << " | "
            << Fixed(static_cast<double>(m.raw.context_switches) / raw_probes, 1) << " | |\n";
  std::cout << "\nfloor.cpu_ratio=" << Ratio(daemon_per_probe, raw_per_probe)
            << " (goal <= 1.5x); excluding idle: " << Ratio(adjusted, raw_per_probe) << "\n";
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  TempDir dir;
  LoadTarget target(LoadTarget::Options{flags.Str("target"), flags.Str("nginx"), 1});
  const HttpTarget address = target.Address(0);
  std::cout << "# bench_probe_floor " << UtcNow() << "\nmachine: " << MachineSummary()
            << "\nload average at start: " << LoadAverage() << "\ntarget: " << target.description()
            << " at " << address.Url() << "\n";
  const Placement placement = ChoosePlacement(flags);
  if (placement.pinned) {
    for (pid_t pid : target.ServerPids()) {
      PinOrThrow(PinProcess(pid, placement.server_cpu), "nginx");
    }
  }
  std::cout << "placement: " << DescribePlacement(placement) << "\n";
  const double idle_rate = MeasureIdleCpuRate(flags, placement, target, dir.path());
  std::cout << "daemon idle CPU: " << Fixed(idle_rate / 1e3, 1) << " µs/s (" << flags.Str("idle")
            << " s, one endpoint at 1h interval)" << std::endl;
  Measurement m = MeasureConcurrently(flags, placement, address, dir.path());
  std::cout << "measured: " << Fixed(m.elapsed, 1) << " s at " << flags.Str("interval-ms")
            << " ms; latencyd probes " << Fixed(m.end.probes - m.start.probes, 0) << " (failures "
            << Fixed(m.end.failures - m.start.failures, 0) << ", window samples "
            << Fixed(m.end.window_samples, 0) << "); raw client probes " << m.raw.total.size()
            << " (failures " << m.raw.failures << (m.raw.failures ? ", " + m.raw.first_error : "")
            << ")\n";
  PrintLatency(m.end, m.raw);
  PrintCpu(m, idle_rate);
  std::cout << "load average at end: " << LoadAverage() << "\n";
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  using latencyd::bench::Flags;
  Flags flags(argc, argv, latencyd::bench::kUsage,
              {{"duration", "60"},
               {"interval-ms", "100"},
               {"warmup", "3"},
               {"idle", "20"},
               {"workers", "0"},
               {"pin", "1"},
               {"target", "auto"},
               {"nginx", "/usr/sbin/nginx"},
               {"latencyd", latencyd::bench::DefaultDaemonPath()}});
  try {
    return latencyd::bench::Run(flags);
  } catch (const std::exception& e) {
    std::cerr << "bench_probe_floor: " << e.what() << "\n";
    return 1;
  }
}
