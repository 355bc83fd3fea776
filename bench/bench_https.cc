// bench_https: latencyd's HTTPS probes on loopback against nginx with an ECDSA P-256
// certificate made by this program, the trust store being the system bundle plus the test CA:
//   paced   one probe per 100 ms, fresh connections (then keep-alive): latencyd's reported p50
//           and CPU per probe against a minimal OpenSSL client (bench/tls_client.h);
//   ceiling N fresh-connection HTTPS endpoints at 1 s for each N: probes/s, skipped, CPU per
//           probe, schedule lag; then the minimal OpenSSL client flat out on as many threads
//           as latencyd has loops (the machine's own ceiling with nginx on it);
//   store   the same load with a 1-certificate ca_file and with the system bundle;
//   starve  200 fresh HTTPS endpoints at 1 s next to 2 plain-HTTP endpoints at 100 ms: the
//           plain endpoints must lose no probe.
#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/child_process.h"
#include "bench/daemon_process.h"
#include "bench/load_target.h"
#include "bench/metrics_text.h"
#include "bench/tls_client.h"
#include "test/support/fixture_server.h"
#include "test/support/test_pki.h"
#include "test/support/tls_nginx_server.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_https: latencyd HTTPS probes (fresh and kept-alive) against a minimal OpenSSL\n"
    "client, the sustained fresh-HTTPS ceiling, and plain endpoints next to HTTPS load.";

struct Setup {
  TempDir dir;
  latencyd::testing::TestPki pki;
  std::string bundle;  // system bundle + test root
  std::unique_ptr<latencyd::testing::TlsNginxServer> nginx;
};

void Prepare(Setup& s) {
  s.pki = latencyd::testing::MakeTestPki(s.dir.path(), 60, 50);
  s.bundle = s.dir.path() + "/bundle.pem";
  std::ofstream out(s.bundle);
  out << std::ifstream("/etc/ssl/certs/ca-certificates.crt").rdbuf()
      << std::ifstream(s.pki.ca_file).rdbuf();
  out.close();
  s.nginx = std::make_unique<latencyd::testing::TlsNginxServer>(s.dir.path(), s.pki.chain_file,
                                                                s.pki.key_file);
}

std::string Endpoint(const std::string& name, const std::string& url, const std::string& extra) {
  return "  - name: " + name + "\n    url: " + url + "\n    class: core\n" + extra;
}

// The queried sums of one scrape of `daemon`; throws when the scrape fails.
std::vector<SeriesSum> Read(const DaemonProcess& daemon, const std::vector<SeriesQuery>& queries) {
  latencyd::bench::Scrape scrape = daemon.ScrapeMetrics();
  if (!scrape.ok) throw std::runtime_error("scrape failed: " + scrape.error);
  return SumSeries(scrape.body, queries);
}

// (a)/(b): latencyd with one endpoint at 100 ms and the minimal client at 100 ms, both pinned
// to CPU 0, nginx to the last CPU.
void Paced(Setup& s, const Flags& flags, bool keepalive) {
  const double duration = flags.Num("paced-duration");
  const std::string url = s.nginx->Url("/probe");
  std::string yaml =
      "defaults:\n  interval: 100ms\n  window: " + std::to_string(static_cast<int>(duration) + 30) +
      "s\n  keepalive: " + (keepalive ? "true" : "false") + "\nendpoints:\n" +
      Endpoint("paced", url, "    tls: { ca_file: " + s.bundle + " }\n");
  DaemonProcess daemon(flags.Str("latencyd"), s.dir.path(), DaemonConfig{{}, "", "", "", yaml}, 1);
  const int last_cpu = static_cast<int>(std::thread::hardware_concurrency()) - 1;
  PinProcess(daemon.pid(), 0);
  for (pid_t worker : ChildPids(s.nginx->pid())) PinProcess(worker, last_cpu);
  PinThread(0, 0);
  MinimalTlsClient client(s.bundle, "127.0.0.1", s.nginx->port(), "/probe", keepalive);
  SleepSeconds(2);  // warm-up: the daemon's first probes (and its store build) are done
  const std::vector<SeriesQuery> q = {
      {"latencyd_probes_total", {{"result", "success"}}},
      {"latencyd_probe_duration_seconds", {{"quantile", "0.5"}}},
      {"latencyd_probe_phase_seconds", {{"phase", "tls"}, {"quantile", "0.5"}}}};
  std::vector<SeriesSum> before, after;
  before = Read(daemon, q);
  const std::int64_t daemon_cpu0 = ProcessCpuNanos(daemon.pid());
  const std::int64_t client_cpu0 = ThreadCpuNanos();
  std::vector<double> client_seconds;
  int client_failures = 0;
  auto next = std::chrono::steady_clock::now();
  const auto end = next + std::chrono::milliseconds(static_cast<long>(duration * 1000));
  while (next < end) {
    std::this_thread::sleep_until(next);
    const double t = client.ExchangeSeconds();
    if (t < 0)
      ++client_failures;
    else
      client_seconds.push_back(t);
    next += std::chrono::milliseconds(100);
  }
  const double client_cpu = static_cast<double>(ThreadCpuNanos() - client_cpu0);
  const double daemon_cpu = static_cast<double>(ProcessCpuNanos(daemon.pid()) - daemon_cpu0);
  after = Read(daemon, q);
  const double probes = after[0].sum - before[0].sum;
  const double client_p50 = Quantile(client_seconds, 0.5);
  const double daemon_p50 = after[1].last;
  const double daemon_cpu_per = daemon_cpu / probes / 1e3;
  const double client_cpu_per = client_cpu / static_cast<double>(client_seconds.size()) / 1e3;
  std::cout << "\n### paced, " << (keepalive ? "keep-alive" : "fresh connections")
            << ", 1 probe / 100 ms, " << Fixed(duration, 0) << " s\n\n"
            << "| figure | latencyd | minimal OpenSSL client | ratio |\n|---|---|---|---|\n"
            << "| probes (failed) | " << Fixed(probes, 0) << " | " << client_seconds.size() << " ("
            << client_failures << ") | |\n"
            << "| p50 (ms) | " << Fixed(daemon_p50 * 1e3, 3) << " | " << Fixed(client_p50 * 1e3, 3)
            << " | " << Ratio(daemon_p50, client_p50) << " |\n"
            << "| latencyd tls phase p50 (ms) | " << Fixed(after[2].last * 1e3, 3) << " | | |\n"
            << "| CPU per probe (µs; latencyd: whole process) | " << Fixed(daemon_cpu_per, 0)
            << " | " << Fixed(client_cpu_per, 0) << " | " << Ratio(daemon_cpu_per, client_cpu_per)
            << " |\n";
  daemon.Stop();
}

struct LoadFigures {
  double probes_per_s = 0, skipped = 0, failed = 0, cpu_us_per_probe = 0, core_share = 0,
         lag_p99_ms = 0;
  // Time latencyd's threads spent runnable but waiting for a CPU, per second of wall time
  // (summed over threads): high values mean the machine, not latencyd, set the pace.
  double run_queue_wait = 0;
};

// Runs `yaml` for warm-up + duration and reads counters over the measured part.
LoadFigures Load(Setup& s, const Flags& flags, const std::string& yaml,
                 const std::vector<SeriesQuery>& extra, std::vector<SeriesSum>* extra_delta) {
  DaemonProcess daemon(flags.Str("latencyd"), s.dir.path(), DaemonConfig{{}, "", "", "", yaml},
                       flags.Int("workers"));
  SleepSeconds(flags.Num("warmup"));
  std::vector<SeriesQuery> q = {{"latencyd_probes_total", {}},
                                {"latencyd_probes_skipped_total", {}},
                                {"latencyd_probes_total", {{"result", "failure"}}},
                                {"latencyd_schedule_lag_seconds", {{"quantile", "0.99"}}}};
  q.insert(q.end(), extra.begin(), extra.end());
  std::vector<SeriesSum> before, after;
  before = Read(daemon, q);
  const std::int64_t cpu0 = ProcessCpuNanos(daemon.pid());
  const std::int64_t wait0 = RunQueueWaitNanos(daemon.pid());
  const auto t0 = std::chrono::steady_clock::now();
  SleepSeconds(flags.Num("duration"));
  const double cpu = static_cast<double>(ProcessCpuNanos(daemon.pid()) - cpu0);
  const double wait = static_cast<double>(RunQueueWaitNanos(daemon.pid()) - wait0);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  after = Read(daemon, q);
  daemon.Stop();
  LoadFigures f;
  const double probes = after[0].sum - before[0].sum;
  f.probes_per_s = probes / elapsed;
  f.skipped = after[1].sum - before[1].sum;
  f.failed = after[2].sum - before[2].sum;
  f.cpu_us_per_probe = cpu / probes / 1e3;
  f.core_share = cpu / 1e9 / elapsed;
  f.lag_p99_ms = after[3].last * 1e3;
  f.run_queue_wait = wait / 1e9 / elapsed;
  extra_delta->clear();
  for (std::size_t i = 4; i < q.size(); ++i) {
    SeriesSum d = after[i];
    d.sum -= before[i].sum;
    extra_delta->push_back(d);
  }
  return f;
}

std::string HttpsEndpoints(Setup& s, int n, const std::string& ca_file = "") {
  std::string yaml;
  for (int i = 0; i < n; ++i) {
    yaml += Endpoint("tls" + std::to_string(i), s.nginx->Url("/probe?n=" + std::to_string(i)),
                     "    tls: { ca_file: " + (ca_file.empty() ? s.bundle : ca_file) + " }\n");
  }
  return yaml;
}

// The trust store's size must not matter per probe: the same load with a one-certificate
// ca_file and with the system bundle plus that certificate.
void StoreCost(Setup& s, const Flags& flags) {
  std::cout << "\n### trust store size: 20 fresh HTTPS endpoints at 100 ms, "
            << flags.Num("duration") << " s each\n\n"
            << "| ca_file | certificates | CPU per probe (µs) | probes/s |\n|---|---|---|---|\n";
  for (const std::string& file : {s.pki.ca_file, s.bundle}) {
    const std::string yaml =
        "defaults:\n  interval: 100ms\n  window: 1m\nendpoints:\n" + HttpsEndpoints(s, 20, file);
    std::vector<SeriesSum> none;
    LoadFigures f = Load(s, flags, yaml, {}, &none);
    std::ifstream in(file);
    std::string line;
    int certificates = 0;
    while (std::getline(in, line)) certificates += line.rfind("-----BEGIN CERT", 0) == 0;
    std::cout << "| " << (file == s.bundle ? "system bundle + test root" : "test root only")
              << " | " << certificates << " | " << Fixed(f.cpu_us_per_probe, 0) << " | "
              << Fixed(f.probes_per_s, 1) << " |\n";
  }
}

// What the machine itself sustains: the minimal OpenSSL client, unpaced, on `threads` threads
// against the same nginx for `seconds`: fresh full handshakes per second and the client's CPU
// per exchange: the reference for latencyd's ceiling on the same CPUs (nginx's share of each
// handshake is paid either way).
void RawClientCeiling(Setup& s, int threads, double seconds) {
  std::atomic<long> done{0}, failed{0};
  std::atomic<std::int64_t> cpu_ns{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      MinimalTlsClient client(s.bundle, "127.0.0.1", s.nginx->port(), "/probe", false);
      const std::int64_t cpu0 = ThreadCpuNanos();
      while (std::chrono::steady_clock::now() < deadline) {
        (client.ExchangeSeconds() < 0 ? failed : done).fetch_add(1);
      }
      cpu_ns.fetch_add(ThreadCpuNanos() - cpu0);
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double exchanges = static_cast<double>(done.load());
  std::cout << "\nthe minimal OpenSSL client flat out (fresh connections, full handshakes), "
            << threads << " threads, " << Fixed(seconds, 0)
            << " s: " << Fixed(exchanges / seconds, 1) << " exchanges/s, " << failed.load()
            << " failed, " << Fixed(exchanges > 0 ? cpu_ns.load() / exchanges / 1e3 : 0, 0)
            << " µs of client CPU per exchange (the machine's ceiling with nginx on it)\n";
}

void Ceiling(Setup& s, const Flags& flags) {
  std::cout
      << "\n### sustained fresh-connection HTTPS endpoints at 1 s, " << flags.Int("workers")
      << " probe loops, " << flags.Num("duration") << " s each\n\n"
      << "| endpoints | probes/s | skipped | failed | CPU per probe (µs) | latencyd cores "
         "| schedule lag p99 (ms) | waiting for a CPU (s/s) |\n|---|---|---|---|---|---|---|---|\n";
  for (int n : flags.IntList("endpoints")) {
    const std::string yaml =
        "defaults:\n  interval: 1s\n  window: 1m\nendpoints:\n" + HttpsEndpoints(s, n);
    std::vector<SeriesSum> none;
    LoadFigures f = Load(s, flags, yaml, {}, &none);
    std::cout << "| " << n << " | " << Fixed(f.probes_per_s, 1) << " | " << Fixed(f.skipped, 0)
              << " | " << Fixed(f.failed, 0) << " | " << Fixed(f.cpu_us_per_probe, 0) << " | "
              << Fixed(f.core_share, 2) << " | " << Fixed(f.lag_p99_ms, 2) << " | "
              << Fixed(f.run_queue_wait, 2) << " |\n";
  }
  RawClientCeiling(s, flags.Int("workers"), flags.Num("duration"));
}

void Starve(Setup& s, const Flags& flags) {
  latencyd::testing::FixtureServer plain;
  std::string yaml = "defaults:\n  interval: 1s\n  window: 1m\nendpoints:\n" +
                     HttpsEndpoints(s, flags.Int("starve-https"));
  for (int i = 0; i < 2; ++i) {
    yaml += Endpoint("plain" + std::to_string(i), plain.Url("/delay/0"),
                     "    interval: 100ms\n    timeout: 100ms\n");
  }
  const std::vector<SeriesQuery> extra = {
      {"latencyd_probes_total", {{"endpoint", "plain0"}}},
      {"latencyd_probes_total", {{"endpoint", "plain1"}}},
      {"latencyd_probes_skipped_total", {{"endpoint", "plain0"}}},
      {"latencyd_probes_skipped_total", {{"endpoint", "plain1"}}},
      {"latencyd_probes_total", {{"endpoint", "plain0"}, {"result", "failure"}}},
      {"latencyd_probes_total", {{"endpoint", "plain1"}, {"result", "failure"}}}};
  std::vector<SeriesSum> d;
  LoadFigures f = Load(s, flags, yaml, extra, &d);
  const double expected = 2 * 10 * flags.Num("duration");
  std::cout << "\n### " << flags.Int("starve-https")
            << " fresh HTTPS endpoints at 1 s next to 2 plain-HTTP endpoints at 100 ms, "
            << flags.Num("duration") << " s\n\n| figure | value |\n|---|---|\n"
            << "| plain probes run (expected ~" << Fixed(expected, 0) << ") | "
            << Fixed(d[0].sum + d[1].sum, 0) << " |\n"
            << "| plain probes skipped | " << Fixed(d[2].sum + d[3].sum, 0) << " |\n"
            << "| plain probes failed | " << Fixed(d[4].sum + d[5].sum, 0) << " |\n"
            << "| all probes/s | " << Fixed(f.probes_per_s, 1) << " |\n"
            << "| schedule lag p99 (ms) | " << Fixed(f.lag_p99_ms, 2) << " |\n"
            << "| latencyd cores | " << Fixed(f.core_share, 2) << " |\n"
            << "| latencyd threads waiting for a CPU (s per s) | " << Fixed(f.run_queue_wait, 2)
            << " |\n";
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  Setup s;
  Prepare(s);
  std::cout << "# bench_https " << UtcNow() << "\nmachine: " << MachineSummary()
            << "\nload average at start: " << LoadAverage()
            << "\ntarget: nginx (1 worker, TLS 1.2/1.3, ECDSA P-256 leaf + intermediate), "
               "trust store: system bundle + test root ("
            << s.bundle << ")\n";
  const std::string phases = flags.Str("phases");
  if (phases.find("paced") != std::string::npos) {
    Paced(s, flags, false);
    Paced(s, flags, true);
  }
  if (phases.find("store") != std::string::npos) StoreCost(s, flags);
  if (phases.find("ceiling") != std::string::npos) Ceiling(s, flags);
  if (phases.find("starve") != std::string::npos) Starve(s, flags);
  std::cout << "\nload average at end: " << LoadAverage() << "\n";
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_https", argc, argv, latencyd::bench::kUsage,
                                   {{"phases", "paced,store,ceiling,starve"},
                                    {"paced-duration", "30"},
                                    {"endpoints", "100,500,1000"},
                                    {"warmup", "3"},
                                    {"duration", "15"},
                                    {"workers", "2"},
                                    {"starve-https", "200"},
                                    {"latencyd", latencyd::bench::DefaultDaemonPath()}},
                                   latencyd::bench::Run);
}
