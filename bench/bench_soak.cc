// bench_soak: does latencyd's resident memory stay flat once its windows are full? N
// fresh-connection endpoints at a fixed interval against a loopback nginx, /metrics scraped
// every few seconds by many concurrent clients (so every HTTP server thread serves some), RSS
// sampled at a fixed period for as long as asked; reports RSS when the window is full and
// the drift after it, and where the anonymous memory sits at the end.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench/bench_common.h"
#include "bench/child_process.h"
#include "bench/daemon_process.h"
#include "bench/load_target.h"
#include "bench/metrics_text.h"
#include "bench/raw_http.h"
#include "test/support/proc_entries.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_soak: RSS of latencyd over a long run with N endpoints and concurrent scrapes;\n"
    "reports RSS when the window is full and its drift from then to the end.";

// Figures of all scrape rounds so far; guarded by `mutex`.
struct ScrapeTotals {
  std::mutex mutex;
  long ok = 0, failed = 0;
  std::string last_error;
  double slowest_s = 0;
  std::uint64_t last_bytes = 0;
};

// `clients` threads that each GET /metrics (fresh connection) at the same instants, every
// `period` seconds from `start`, until stopped.
class Scrapers {
 public:
  Scrapers(int port, int clients, double period, bool gzip,
           std::chrono::steady_clock::time_point start)
      : start_(start) {
    const std::string headers = gzip ? "Accept-Encoding: gzip\r\n" : "";
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, port, period, headers] {
        RawHttpClient client(HttpTarget{"127.0.0.1", port, "/metrics"}, /*connection_close=*/true,
                             std::chrono::seconds(120), headers);
        const auto step = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(period));
        for (auto next = start_ + step; WaitUntil(next); next += step) {
          ++in_flight_;
          HttpExchange exchange = client.Get(false);
          --in_flight_;
          Record(exchange);
        }
      });
    }
  }
  ~Scrapers() {
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      stop_ = true;
    }
    stop_signal_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  ScrapeTotals& totals() { return totals_; }
  int in_flight() const { return in_flight_; }

 private:
  // False when stopped before `when`.
  bool WaitUntil(std::chrono::steady_clock::time_point when) {
    std::unique_lock<std::mutex> lock(stop_mutex_);
    return !stop_signal_.wait_until(lock, when, [this] { return stop_; });
  }
  void Record(const HttpExchange& exchange) {
    std::lock_guard<std::mutex> lock(totals_.mutex);
    if (exchange.ok && exchange.status == 200) {
      ++totals_.ok;
      totals_.last_bytes = exchange.body_bytes;
    } else {
      ++totals_.failed;
      totals_.last_error =
          exchange.ok ? "status " + std::to_string(exchange.status) : exchange.error;
    }
    totals_.slowest_s =
        std::max(totals_.slowest_s, std::chrono::duration<double>(exchange.total).count());
  }

  std::chrono::steady_clock::time_point start_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stop_ = false;
  ScrapeTotals totals_;
  std::atomic<int> in_flight_{0};
  std::vector<std::thread> threads_;
};

struct Sample {
  double minutes = 0;
  MemoryFigures memory;
  long scrapes_ok = 0, scrapes_failed = 0;
  int scrapes_in_flight = 0;  // at the moment of the sample
  int open_fds = -1;          // the daemon's: mostly one socket per probe in flight
  double slowest_s = 0;
  std::string load;
};

// Anonymous mappings of `pid` holding at least 1 MiB resident ("12 x 17-19 MiB" is what a
// set of malloc arenas each keeping a scrape's peak looks like), from /proc/PID/smaps.
std::string LargeAnonymousMappings(pid_t pid) {
  std::istringstream smaps(ReadFileText("/proc/" + std::to_string(pid) + "/smaps"));
  std::string line;
  bool anonymous = false;
  std::vector<long> sizes_kib;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') < line.find(' ')) {
      // "start-end perms offset dev inode [path]": anonymous when there is no path.
      std::istringstream fields(line);
      std::string range, perms, offset, dev, inode, path;
      fields >> range >> perms >> offset >> dev >> inode >> path;
      anonymous = path.empty() || path == "[heap]";
    } else if (anonymous && line.rfind("Rss:", 0) == 0) {
      long kib = std::atol(line.c_str() + 4);
      if (kib >= 1024) sizes_kib.push_back(kib);
    }
  }
  std::sort(sizes_kib.rbegin(), sizes_kib.rend());
  std::string text = std::to_string(sizes_kib.size()) + " mappings:";
  for (long kib : sizes_kib) text += " " + Fixed(kib / 1024.0, 1);
  return text + " (MiB)";
}

// When, after a round of scrapes begins, RSS is sampled: a second before the next round, when
// the last round has long been answered. Sampled at the instant sixteen scrapes begin, RSS read
// whatever part of their buffers the race had reached (up to +6 MiB on 32 MiB at 1,000
// endpoints, bench/README.md), which is noise, not drift; the scrapes' peak is in VmHWM, and
// each row says how many scrapes were in flight when it was taken.
double SampleOffset(double scrape_every_s) {
  return scrape_every_s > 2 ? scrape_every_s - 1 : scrape_every_s / 2;
}

// Where the samples fall in the scrape rounds: at one phase only when the sample period is a
// whole number of scrape periods.
std::string SamplePhase(const Flags& flags) {
  const double rounds = flags.Num("sample-every") / flags.Num("scrape-every");
  if (rounds < 1 || std::abs(rounds - std::round(rounds)) > 1e-9) {
    return "samples at varying phases of the scrape rounds (--sample-every is no multiple of "
           "--scrape-every)";
  }
  return "each sample " + Fixed(SampleOffset(flags.Num("scrape-every")), 1) +
         " s after a round of scrapes began";
}

void PrintHeader(const Flags& flags, const LoadTarget& target) {
  std::cout
      << "# bench_soak " << UtcNow() << "\nmachine: " << MachineSummary()
      << "\nload average at start: " << LoadAverage() << "\ntarget: " << target.description()
      << " on " << target.address_count() << " loopback address(es)\nendpoints "
      << flags.Str("endpoints") << ", interval " << flags.Str("interval-ms") << " ms, window "
      << flags.Str("window") << ", fresh connection per probe; /metrics scraped every "
      << flags.Str("scrape-every") << " s by " << flags.Str("scrapers")
      << " concurrent clients (fresh connections"
      << (flags.Int("gzip") ? ", Accept-Encoding: gzip" : ", no Accept-Encoding")
      << "); RSS (VmRSS) every " << flags.Str("sample-every") << " s for " << flags.Str("minutes")
      << " minutes, " << SamplePhase(flags) << "\n\n"
      << "| minute | RSS (MiB) | peak (MiB) | scrapes ok | failed | in flight | "
         "slowest scrape (s) | open fds | load average |\n|---|---|---|---|---|---|---|---|---|\n";
}

void PrintSample(const Sample& s) {
  std::cout << "| " << Fixed(s.minutes, 1) << " | " << Fixed(s.memory.rss_bytes / 1048576.0, 1)
            << " | " << Fixed(s.memory.peak_bytes / 1048576.0, 1) << " | " << s.scrapes_ok << " | "
            << s.scrapes_failed << " | " << s.scrapes_in_flight << " | " << Fixed(s.slowest_s, 2)
            << " | " << s.open_fds << " | " << s.load << " |" << std::endl;
}

// A signed percentage ("-0.04"): Fixed() prints n/a below zero, and a drift can be negative.
std::string SignedPercent(double ratio) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.2f", 100.0 * ratio);
  return buffer;
}

// RSS when the window is full (the first sample at least one window plus one sample period
// after probing started) and its drift from there to the last sample and to the highest.
void PrintSummary(const std::vector<Sample>& samples, double window_minutes, double period_s) {
  const double full_at = window_minutes + period_s / 60.0;
  auto full = std::find_if(samples.begin(), samples.end(),
                           [&](const Sample& s) { return s.minutes >= full_at - 1e-9; });
  if (full == samples.end()) {
    std::cout << "\nthe run ended before the window was full: no drift figure\n";
    return;
  }
  const double base = static_cast<double>(full->memory.rss_bytes);
  double highest = base;
  for (auto it = full; it != samples.end(); ++it) {
    highest = std::max(highest, static_cast<double>(it->memory.rss_bytes));
  }
  const double last = static_cast<double>(samples.back().memory.rss_bytes);
  std::cout << "\nRSS when the window is full (minute " << Fixed(full->minutes, 1)
            << "): " << Fixed(base / 1048576.0, 1) << " MiB\nRSS at the end (minute "
            << Fixed(samples.back().minutes, 1) << "): " << Fixed(last / 1048576.0, 1)
            << " MiB\ndrift from window full to the end: " << SignedPercent((last - base) / base)
            << " %\nhighest RSS after window full: " << Fixed(highest / 1048576.0, 1) << " MiB ("
            << SignedPercent((highest - base) / base) << " %)\npeak RSS (VmHWM) at the end: "
            << Fixed(samples.back().memory.peak_bytes / 1048576.0, 1) << " MiB\n";
}

double WindowMinutes(const std::string& window) {
  const double value = std::atof(window.c_str());
  if (window.back() == 'h') return value * 60;
  if (window.back() == 's' && window.find("ms") == std::string::npos) return value / 60;
  return value;  // "5m"
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  TempDir dir;
  LoadTarget target(
      LoadTarget::Options{flags.Str("target"), flags.Str("nginx"), flags.Int("addresses")});
  DaemonConfig config;
  for (int i = 0; i < flags.Int("endpoints"); ++i) config.urls.push_back(target.Address(i).Url());
  config.interval = flags.Str("interval-ms") + "ms";
  config.timeout = config.interval;
  config.window = flags.Str("window");
  PrintHeader(flags, target);
  DaemonProcess daemon(flags.Str("latencyd"), dir.path(), config, flags.Int("workers"));
  const auto start = daemon.ready_time();
  std::vector<Sample> samples;
  {
    Scrapers scrapers(daemon.port(), flags.Int("scrapers"), flags.Num("scrape-every"),
                      flags.Int("gzip") != 0, start);
    const double period = flags.Num("sample-every");
    const double offset = SampleOffset(flags.Num("scrape-every"));
    const double total_s = flags.Num("minutes") * 60;
    for (int k = 0; k * period + offset <= total_s + 1e-9; ++k) {
      const double at_s = k * period + offset;
      std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::duration<double>(at_s)));
      Sample sample;
      sample.minutes = at_s / 60;
      sample.memory = ReadMemory(daemon.pid());
      sample.scrapes_in_flight = scrapers.in_flight();
      // A probe in flight holds a socket: a burst of probes in flight shows here.
      sample.open_fds = latencyd::testing::OpenDescriptorCount(daemon.pid());
      {
        std::lock_guard<std::mutex> lock(scrapers.totals().mutex);
        sample.scrapes_ok = scrapers.totals().ok;
        sample.scrapes_failed = scrapers.totals().failed;
        sample.slowest_s = scrapers.totals().slowest_s;
      }
      sample.load = LoadAverage();
      PrintSample(sample);
      samples.push_back(sample);
    }
    std::lock_guard<std::mutex> lock(scrapers.totals().mutex);
    std::cout << "\nscrape body on the wire: " << scrapers.totals().last_bytes << " bytes";
    if (!scrapers.totals().last_error.empty()) {
      std::cout << "; last scrape error: " << scrapers.totals().last_error;
    }
    std::cout << "\n";
  }
  PrintSummary(samples, WindowMinutes(flags.Str("window")), flags.Num("sample-every"));
  std::cout << "anonymous memory >= 1 MiB resident at the end: "
            << LargeAnonymousMappings(daemon.pid()) << "\n";
  Scrape last = daemon.ScrapeMetrics();
  if (last.ok) {
    std::vector<SeriesSum> sums = SumSeries(
        last.body, {{"latencyd_probes_total", {}}, {"latencyd_probes_skipped_total", {}}});
    std::cout << "probes run " << Fixed(sums[0].sum, 0) << ", skipped " << Fixed(sums[1].sum, 0)
              << "\n";
  }
  std::cout << "load average at end: " << LoadAverage() << "\n";
  daemon.Stop();
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_soak", argc, argv, latencyd::bench::kUsage,
                                   {{"endpoints", "1000"},
                                    {"minutes", "30"},
                                    {"window", "5m"},
                                    {"interval-ms", "1000"},
                                    {"scrape-every", "15"},
                                    {"scrapers", "16"},
                                    {"sample-every", "30"},
                                    {"gzip", "0"},
                                    {"addresses", "8"},
                                    {"workers", "0"},
                                    {"target", "auto"},
                                    {"nginx", "/usr/sbin/nginx"},
                                    {"latencyd", latencyd::bench::DefaultDaemonPath()}},
                                   latencyd::bench::Run);
}
