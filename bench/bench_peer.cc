// bench_peer: the CPU prometheus-blackbox-exporter spends per fresh-connection HTTP probe
// under the same load as bench_scale (N endpoints at 1 s on a loopback nginx), for a peer
// comparison with latencyd. The blackbox exporter probes on demand, so this program plays
// Prometheus: it requests /probe?target=... for every endpoint once per interval.
#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/child_process.h"
#include "bench/load_target.h"
#include "bench/raw_http.h"
#include "test/support/test_pki.h"
#include "test/support/tls_nginx_server.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_peer: prometheus-blackbox-exporter CPU per fresh-connection probe at N endpoints\n"
    "(this program issues the /probe requests Prometheus would send).";

constexpr char kBlackboxConfig[] =
    "modules:\n  http_get:\n    prober: http\n    timeout: 1s\n    http:\n"
    "      method: GET\n      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n";

// --https=1: the same fresh-connection probes over HTTPS/1.1 against nginx with an ECDSA P-256
// chain made here, verified with the system bundle plus the test root (as bench_https does).
std::string HttpsModule(const std::string& bundle) {
  return std::string(kBlackboxConfig) +
         "      enable_http2: false\n      tls_config:\n        ca_file: " + bundle + "\n";
}

struct HttpsTarget {
  latencyd::testing::TestPki pki;
  std::string bundle;
  std::unique_ptr<latencyd::testing::TlsNginxServer> nginx;
};

std::unique_ptr<HttpsTarget> StartHttpsTarget(const std::string& dir) {
  auto t = std::make_unique<HttpsTarget>();
  t->pki = latencyd::testing::MakeTestPki(dir, 60, 50);
  t->bundle = dir + "/bundle.pem";
  std::ofstream(t->bundle) << std::ifstream("/etc/ssl/certs/ca-certificates.crt").rdbuf()
                           << std::ifstream(t->pki.ca_file).rdbuf();
  t->nginx =
      std::make_unique<latencyd::testing::TlsNginxServer>(dir, t->pki.chain_file, t->pki.key_file);
  return t;
}

struct DriverCounts {
  std::atomic<long> requests{0}, successes{0}, failures{0}, late{0};
};

// One driver thread: its share of endpoints, each requested once per interval at its own
// offset; a request that starts more than one interval late counts as `late`.
void Drive(const HttpTarget& exporter, const std::vector<std::string>& targets,
           std::chrono::nanoseconds interval, std::chrono::steady_clock::time_point end,
           DriverCounts* counts) {
  std::vector<RawHttpClient> clients;
  for (const auto& target : targets) {
    HttpTarget request = exporter;
    request.path = "/probe?module=http_get&target=" + target;
    clients.emplace_back(request, /*connection_close=*/true, std::chrono::seconds(2));
  }
  const auto step = interval / static_cast<long>(std::max<std::size_t>(1, clients.size()));
  auto next = std::chrono::steady_clock::now();
  for (std::size_t i = 0; next < end; i = (i + 1) % clients.size(), next += step) {
    std::this_thread::sleep_until(next);
    if (std::chrono::steady_clock::now() - next > interval) ++counts->late;
    HttpExchange exchange = clients[i].Get(/*keep_body=*/true);
    ++counts->requests;
    bool ok = exchange.ok && exchange.body.find("\nprobe_success 1") != std::string::npos;
    ++(ok ? counts->successes : counts->failures);
  }
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  TempDir dir;
  LoadTarget target(
      LoadTarget::Options{flags.Str("target"), flags.Str("nginx"), flags.Int("addresses")});
  const int endpoints = flags.Int("endpoints");
  const int threads = flags.Int("threads");
  const auto interval = std::chrono::milliseconds(flags.Int("interval-ms"));
  std::unique_ptr<HttpsTarget> https;
  if (flags.Int("https") != 0) https = StartHttpsTarget(dir.path());
  WriteFileText(dir.path() + "/blackbox.yml",
                https ? HttpsModule(https->bundle) : std::string(kBlackboxConfig));
  const int port = FreePort(1);
  ChildProcess exporter({flags.Str("blackbox"), "--config.file=" + dir.path() + "/blackbox.yml",
                         "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                        dir.path() + "/blackbox.out", dir.path() + "/blackbox.err");
  if (!WaitForListen("127.0.0.1", port, 10000)) throw std::runtime_error("exporter not up");
  std::cout << "# bench_peer " << UtcNow() << "\nmachine: " << MachineSummary()
            << "\nload average at start: " << LoadAverage() << "\npeer: " << flags.Str("blackbox")
            << " (http prober, fresh connection per probe); target: "
            << (https ? "nginx over HTTPS/1.1 (ECDSA P-256 chain, trust store: system bundle + "
                        "test root)"
                      : target.description())
            << "\n";
  std::vector<std::vector<std::string>> shares(threads);
  for (int i = 0; i < endpoints; ++i) {
    shares[i % threads].push_back(https ? https->nginx->Url("/probe?n=" + std::to_string(i))
                                        : target.Address(i).Url());
  }
  DriverCounts counts;
  const HttpTarget exporter_address{"127.0.0.1", port, "/"};
  auto run_for = [&](double seconds) {
    auto end =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::duration<double>(seconds));
    std::vector<std::thread> drivers;
    for (const auto& share : shares) {
      drivers.emplace_back(Drive, exporter_address, share, interval, end, &counts);
    }
    for (auto& driver : drivers) driver.join();
  };
  run_for(flags.Num("warmup"));
  counts.requests = counts.successes = counts.failures = counts.late = 0;
  const std::int64_t cpu0 = ProcessCpuNanos(exporter.pid());
  const auto t0 = std::chrono::steady_clock::now();
  run_for(flags.Num("duration"));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_ns = static_cast<double>(ProcessCpuNanos(exporter.pid()) - cpu0);
  MemoryFigures memory = ReadMemory(exporter.pid());
  std::cout << "\n| figure | blackbox_exporter, " << endpoints << " endpoints |\n|---|---|\n"
            << "| measured (s) | " << Fixed(elapsed, 1) << " |\n"
            << "| probes/s expected | " << Fixed(endpoints * 1000.0 / flags.Num("interval-ms"), 0)
            << " |\n| probes/s done (successful) | "
            << Fixed(static_cast<double>(counts.successes.load()) / elapsed, 1) << " |\n"
            << "| failed probes | " << counts.failures.load() << " |\n"
            << "| requests started > 1 interval late | " << counts.late.load() << " |\n"
            << "| exporter CPU (% of one core) | " << Fixed(100.0 * cpu_ns / 1e9 / elapsed, 1)
            << " |\n| exporter CPU per probe (µs) | "
            << Fixed(cpu_ns / 1e3 / static_cast<double>(counts.requests.load()), 1)
            << " |\n| RSS (MiB) | " << Fixed(memory.rss_bytes / 1048576.0, 1) << " |\n"
            << "\nload average at end: " << LoadAverage() << "\n";
  exporter.Stop();
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_peer", argc, argv, latencyd::bench::kUsage,
                                   {{"endpoints", "1000"},
                                    {"interval-ms", "1000"},
                                    {"warmup", "5"},
                                    {"duration", "30"},
                                    {"threads", "16"},
                                    {"https", "0"},
                                    {"addresses", "8"},
                                    {"target", "auto"},
                                    {"nginx", "/usr/sbin/nginx"},
                                    {"blackbox", "/usr/bin/prometheus-blackbox-exporter"}},
                                   latencyd::bench::Run);
}
