// bench_scale: how many probes per second latencyd sustains, and how many it skips, with
// 1,000 and 10,000 fresh-connection endpoints at 1 s intervals on a loopback nginx; plus the
// schedule lag, CPU, resident memory and the cost of scraping the resulting /metrics page.
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/bench_common.h"
#include "bench/child_process.h"
#include "bench/daemon_process.h"
#include "bench/load_target.h"
#include "bench/metrics_text.h"
#include "bench/raw_http.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_scale: probes/s sustained and skipped fraction with N endpoints (fresh connections)\n"
    "at a fixed interval against a loopback nginx, plus lag, CPU, RSS and scrape cost.";

// Counters read from one scrape, summed over endpoints.
struct Counters {
  double probes = 0, failures = 0, skipped = 0;
  double lag_p50 = -1, lag_p90 = -1, lag_p99 = -1;
  double rss = -1;
  double sustained_ratio = -1;  // latencyd_schedule_sustained_ratio, -1: not exported
  int endpoints = 0;
  std::map<std::string, double> failures_by_reason;
};

Counters ReadCounters(const std::string& text) {
  static const char* const kReasons[] = {"timeout",       "dns",       "connect", "tls",  "status",
                                         "body_mismatch", "too_large", "reset",   "other"};
  std::vector<SeriesQuery> queries = {{"latencyd_probes_total", {}},
                                      {"latencyd_probes_total", {{"result", "failure"}}},
                                      {"latencyd_probes_skipped_total", {}},
                                      {"latencyd_schedule_lag_seconds", {{"quantile", "0.5"}}},
                                      {"latencyd_schedule_lag_seconds", {{"quantile", "0.9"}}},
                                      {"latencyd_schedule_lag_seconds", {{"quantile", "0.99"}}},
                                      {"process_resident_memory_bytes", {}},
                                      {"latencyd_schedule_sustained_ratio", {}}};
  for (const char* reason : kReasons) {
    queries.push_back({"latencyd_probe_failures_total", {{"reason", reason}}});
  }
  std::vector<SeriesSum> sums = SumSeries(text, queries);
  Counters counters;
  counters.probes = sums[0].sum;
  counters.failures = sums[1].sum;
  counters.skipped = sums[2].sum;
  counters.endpoints = sums[2].series;
  counters.lag_p50 = sums[3].series ? sums[3].last : -1;
  counters.lag_p90 = sums[4].series ? sums[4].last : -1;
  counters.lag_p99 = sums[5].series ? sums[5].last : -1;
  counters.rss = sums[6].series ? sums[6].last : -1;
  counters.sustained_ratio = sums[7].series ? sums[7].last : -1;
  for (std::size_t i = 0; i < std::size(kReasons); ++i) {
    counters.failures_by_reason[kReasons[i]] = sums[8 + i].sum;
  }
  return counters;
}

// "tw 1234" from /proc/net/sockstat: sockets in TIME_WAIT right now.
long TimeWaitSockets() {
  std::istringstream text(ReadFileText("/proc/net/sockstat"));
  std::string word;
  while (text >> word) {
    if (word == "tw") {
      long count = -1;
      text >> count;
      return count;
    }
  }
  return -1;
}

std::string Sysctl(const std::string& name) {
  std::string value = ReadFileText("/proc/sys/net/ipv4/" + name);
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  for (char& c : value) {
    if (c == '\t') c = '-';
  }
  return value.empty() ? "unreadable" : value;
}

// Raises the soft open-files limit to the hard one, so the daemon (which inherits it) is not
// limited by a low default.
rlim_t RaiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

std::int64_t CpuOf(const std::vector<pid_t>& pids) {
  std::int64_t total = 0;
  for (pid_t pid : pids) total += std::max<std::int64_t>(0, ProcessCpuNanos(pid));
  return total;
}

// The raw client's figures at the rate of one scale point.
struct RawFloor {
  double rate = -1, cpu_us = -1, nginx_us = -1;  // -1: not measured
  long failed = 0;
};

// "tid:63% tid:31% ..." for the daemon threads that used at least 1% of a core.
std::string ThreadShares(const std::map<pid_t, std::int64_t>& before,
                         const std::map<pid_t, std::int64_t>& after, double seconds) {
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::string text;
  for (const auto& [tid, ticks] : after) {
    auto old = before.find(tid);
    double used = static_cast<double>(ticks - (old == before.end() ? 0 : old->second));
    double percent = 100.0 * used / ticks_per_second / seconds;
    if (percent >= 1.0) text += std::to_string(tid) + ":" + Fixed(percent, 0) + "% ";
  }
  return text.empty() ? "-" : text;
}

// What zlib costs on one text at one level, measured in this process (one thread, no I/O).
struct LevelCost {
  int level = 0;
  std::size_t bytes = 0;
  double cpu_ms = 0;
};

LevelCost CompressCost(const std::string& text, int level) {
  LevelCost cost;
  cost.level = level;
  z_stream stream{};
  deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::vector<unsigned char> out(64 * 1024);
  const std::int64_t cpu0 = ThreadCpuNanos();
  // 64 KiB pieces, as the daemon hands them to its GzipStream.
  for (std::size_t at = 0; at <= text.size(); at += 64 * 1024) {
    const bool last = at + 64 * 1024 >= text.size();
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data() + at));
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(64 * 1024, text.size() - at));
    int result = Z_OK;
    do {
      stream.next_out = out.data();
      stream.avail_out = static_cast<uInt>(out.size());
      result = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
      cost.bytes += out.size() - stream.avail_out;
    } while (last ? result != Z_STREAM_END : stream.avail_out == 0);
    if (last) break;
  }
  cost.cpu_ms = static_cast<double>(ThreadCpuNanos() - cpu0) / 1e6;
  deflateEnd(&stream);
  return cost;
}

// CPU (ms) between two per-thread readings of every thread except the probe loops, which are
// the `loops` threads created right after the main thread (the lowest TIDs but one).
double OutsideProbeLoopsMs(const std::map<pid_t, std::int64_t>& before,
                           const std::map<pid_t, std::int64_t>& after, int loops) {
  std::int64_t total = 0;
  int index = 0;
  for (const auto& [tid, nanos] : after) {
    const bool probe_loop = index >= 1 && index <= loops;
    ++index;
    if (probe_loop) continue;
    auto old = before.find(tid);
    total += nanos - (old == before.end() ? 0 : old->second);
  }
  return static_cast<double>(total) / 1e6;
}

struct ScaleResult {
  int endpoints = 0;
  double startup_s = 0, elapsed_s = 0;
  Counters start, end;  // the two scrapes; `start` also ends the startup span
  double startup_window_s = 0;
  double cpu_percent = 0, nginx_cpu_percent = 0, scrape_cpu_ms = 0;
  double switches_per_s = 0;
  double runqueue_percent = 0;  // summed over threads, % of wall time
  std::string thread_cpu;       // "% of a core" per daemon thread, in creation (TID) order
  RawFloor raw;                 // the raw client at the same rate (zero when skipped)
  MemoryFigures memory;
  std::size_t scrape_bytes = 0, scrape_wire_bytes = 0;
  double scrape_s = 0;
  // The same scrape with Accept-Encoding: gzip, right after the plain one.
  std::size_t gzip_wire_bytes = 0;
  double gzip_s = 0, gzip_cpu_ms = 0;
  std::string gzip_encoding;
  // CPU of every thread but the probe loops during each scrape: the scrape's own cost.
  double scrape_server_ms = 0, gzip_server_ms = 0;
  std::vector<LevelCost> levels;  // zlib levels on the plain scrape's text, in this process
  long time_wait = -1;
  double stop_s = 0;
};

// Gives every thread of `pid` the nice value `nice`, as a unit's Nice= would have started the
// daemon with (--daemon-nice; threads it starts later inherit it, and the HTTP server's add
// their own +10). Nothing when 0.
void SetNice(pid_t pid, int nice) {
  if (nice == 0) return;
  for (pid_t tid : ThreadIds(pid)) {
    // ESRCH: the thread ended since it was listed.
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0 && errno != ESRCH) {
      throw std::runtime_error("setpriority(" + std::to_string(tid) + ", " + std::to_string(nice) +
                               "): " + std::strerror(errno) + " (a negative value needs root)");
    }
  }
}

// Three spans: startup (start of probing to the first scrape, after `warmup`), the measured
// window between two scrapes (it contains the first scrape's rendering, as a daemon scraped
// by Prometheus once per window would), and inside it the CPU interval that excludes both
// renderings.
ScaleResult RunOne(const Flags& flags, const LoadTarget& target, const std::string& dir,
                   int endpoints) {
  DaemonConfig config;
  for (int i = 0; i < endpoints; ++i) config.urls.push_back(target.Address(i).Url());
  config.interval = flags.Str("interval-ms") + "ms";
  config.timeout = config.interval;
  config.window = flags.Str("window");
  ScaleResult result;
  result.endpoints = endpoints;
  DaemonProcess daemon(flags.Str("latencyd"), dir, config, flags.Int("workers"));
  result.startup_s = daemon.startup_seconds();
  SetNice(daemon.pid(), flags.Int("daemon-nice"));
  SleepSeconds(flags.Num("warmup"));
  Scrape first = daemon.ScrapeMetrics();
  const std::int64_t cpu0 = ProcessCpuNanos(daemon.pid());
  const std::int64_t nginx0 = CpuOf(target.ServerPids());
  const std::int64_t switches0 = ContextSwitches(daemon.pid());
  const std::map<pid_t, std::int64_t> ticks0 = ThreadCpuTicks(daemon.pid());
  const std::int64_t waited0 = RunQueueWaitNanos(daemon.pid());
  const auto t0 = std::chrono::steady_clock::now();
  SleepSeconds(flags.Num("duration"));
  const std::int64_t cpu1 = ProcessCpuNanos(daemon.pid());
  const std::int64_t nginx1 = CpuOf(target.ServerPids());
  const std::int64_t switches1 = ContextSwitches(daemon.pid());
  const std::map<pid_t, std::int64_t> ticks1 = ThreadCpuTicks(daemon.pid());
  const std::int64_t waited1 = RunQueueWaitNanos(daemon.pid());
  const double cpu_window =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.memory = ReadMemory(daemon.pid());
  result.time_wait = TimeWaitSockets();
  const std::map<pid_t, std::int64_t> threads1 = ThreadCpuNanosByTid(daemon.pid());
  Scrape second = daemon.ScrapeMetrics();
  const std::int64_t cpu2 = ProcessCpuNanos(daemon.pid());
  const std::map<pid_t, std::int64_t> threads2 = ThreadCpuNanosByTid(daemon.pid());
  if (!first.ok || !second.ok) {
    throw std::runtime_error("scrape failed: " + first.error + " / " + second.error);
  }
  result.startup_window_s =
      std::chrono::duration<double>(first.started - daemon.ready_time()).count();
  result.start = ReadCounters(first.body);
  result.elapsed_s = std::chrono::duration<double>(second.started - first.started).count();
  result.end = ReadCounters(second.body);
  result.cpu_percent = 100.0 * static_cast<double>(cpu1 - cpu0) / 1e9 / cpu_window;
  result.nginx_cpu_percent = 100.0 * static_cast<double>(nginx1 - nginx0) / 1e9 / cpu_window;
  result.switches_per_s = static_cast<double>(switches1 - switches0) / cpu_window;
  result.thread_cpu = ThreadShares(ticks0, ticks1, cpu_window);
  result.runqueue_percent = 100.0 * static_cast<double>(waited1 - waited0) / 1e9 / cpu_window;
  result.scrape_cpu_ms = static_cast<double>(cpu2 - cpu1) / 1e6;
  result.scrape_bytes = second.body.size();
  result.scrape_wire_bytes = second.wire_bytes;
  result.scrape_s = second.seconds;
  Scrape zipped = daemon.ScrapeMetrics(/*gzip=*/true);
  const std::int64_t cpu3 = ProcessCpuNanos(daemon.pid());
  const std::map<pid_t, std::int64_t> threads3 = ThreadCpuNanosByTid(daemon.pid());
  const int loops = flags.Int("workers") > 0 ? flags.Int("workers")
                                             : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  result.scrape_server_ms = OutsideProbeLoopsMs(threads1, threads2, loops);
  result.gzip_server_ms = OutsideProbeLoopsMs(threads2, threads3, loops);
  if (!zipped.ok) throw std::runtime_error("gzip scrape failed: " + zipped.error);
  result.gzip_cpu_ms = static_cast<double>(cpu3 - cpu2) / 1e6;
  result.gzip_wire_bytes = zipped.wire_bytes;
  result.gzip_s = zipped.seconds;
  result.gzip_encoding = zipped.content_encoding.empty() ? "none" : zipped.content_encoding;
  for (int level : flags.IntList("gzip-levels")) {
    result.levels.push_back(CompressCost(second.body, level));
  }
  result.stop_s = daemon.Stop();
  return result;
}

void PrintHeader(const Flags& flags, const LoadTarget& target, rlim_t files) {
  std::cout << "# bench_scale " << UtcNow() << "\nmachine: " << MachineSummary()
            << "\nload average at start: " << LoadAverage() << "\ntarget: " << target.description()
            << " on " << target.address_count() << " loopback address(es), port "
            << target.Address(0).port << "\nsysctl: tcp_tw_reuse=" << Sysctl("tcp_tw_reuse")
            << " ip_local_port_range=" << Sysctl("ip_local_port_range")
            << " tcp_max_tw_buckets=" << Sysctl("tcp_max_tw_buckets")
            << " tcp_fin_timeout=" << Sysctl("tcp_fin_timeout") << "; RLIMIT_NOFILE=" << files
            << "\nper run: startup span of " << flags.Str("warmup") << " s, then a window of "
            << flags.Str("duration")
            << " s between two scrapes (it contains the first one's rendering; CPU excludes "
               "both); interval "
            << flags.Str("interval-ms") << " ms, window " << flags.Str("window")
            << ", fresh connection per probe; then the raw client paced at the same rate for "
            << flags.Str("raw-seconds") << " s on " << flags.Str("raw-threads") << " threads\n";
  if (flags.Int("daemon-nice") != 0) {
    std::cout << "latencyd at nice " << flags.Str("daemon-nice")
              << " (its HTTP server threads 10 above that); the raw client, nginx and the hog at "
                 "nice 0\n";
  }
}

// The lines bench/README.md quotes, one per figure and size, with the goal of issue #15 next to
// each: CPU per probe against the raw client at the same rate, and, when the raw client
// sustained the rate (>= 99 % of it: pacing loses a little at the edges of its run), skipped
// fraction and lag p99.
void PrintGoals(const Flags& flags, const std::vector<ScaleResult>& results) {
  const double interval_s = flags.Num("interval-ms") / 1000.0;
  std::cout << "\n";
  for (const ScaleResult& r : results) {
    const double probes = r.end.probes - r.start.probes;
    const double skipped = r.end.skipped - r.start.skipped;
    const double cpu_us = r.cpu_percent / 100.0 * r.elapsed_s * 1e6 / std::max(1.0, probes);
    const bool raw_sustains = r.raw.rate >= 0.99 * r.endpoints / interval_s;
    const std::string n = "scale." + std::to_string(r.endpoints);
    std::cout << n << ".cpu_ratio=" << Ratio(cpu_us, r.raw.cpu_us) << " (goal <= 1.3x)\n"
              << n << ".raw_sustains_rate=" << (raw_sustains ? "yes" : "no") << " ("
              << Fixed(r.raw.rate, 1) << " of " << Fixed(r.endpoints / interval_s, 0) << "/s)\n"
              << n
              << ".skipped_percent=" << Fixed(100.0 * skipped / std::max(1.0, skipped + probes), 3)
              << (raw_sustains ? " (goal <= 0.1)" : " (no goal: the raw client missed the rate)")
              << "\n"
              << n << ".lag_p99_ms=" << Fixed(r.end.lag_p99 * 1e3, 2)
              << (raw_sustains ? " (goal <= 5)" : " (no goal: the raw client missed the rate)")
              << "\n"
              << n << ".sustained_ratio=" << Fixed(r.end.sustained_ratio, 4) << "\n"
              << n << ".rss_mib=" << Fixed(r.memory.rss_bytes / 1048576.0, 1) << " (window "
              << flags.Str("window") << "; goal at 10000 with 5m: <= 256)\n";
  }
}

void PrintResults(const Flags& flags, const std::vector<ScaleResult>& results) {
  const double interval_s = flags.Num("interval-ms") / 1000.0;
  std::cout << "\n| figure |";
  for (const auto& r : results) std::cout << " " << r.endpoints << " endpoints |";
  std::cout << "\n|---|";
  for (std::size_t i = 0; i < results.size(); ++i) std::cout << "---|";
  auto row = [&](const std::string& name, auto value) {
    std::cout << "\n| " << name << " |";
    for (const auto& r : results) std::cout << " " << value(r) << " |";
  };
  row("endpoints exported", [](const ScaleResult& r) { return std::to_string(r.end.endpoints); });
  row("startup until port logged (s)", [](const ScaleResult& r) { return Fixed(r.startup_s, 2); });
  row("measured window between the two scrapes (s)",
      [](const ScaleResult& r) { return Fixed(r.elapsed_s, 1); });
  row("probes/s expected",
      [&](const ScaleResult& r) { return Fixed(r.endpoints / interval_s, 0); });
  row("probes/s sustained",
      [](const ScaleResult& r) { return Fixed((r.end.probes - r.start.probes) / r.elapsed_s, 1); });
  row("skipped fraction (%)", [](const ScaleResult& r) {
    double skipped = r.end.skipped - r.start.skipped, probes = r.end.probes - r.start.probes;
    return Fixed(100.0 * skipped / std::max(1.0, skipped + probes), 3) + " (" + Fixed(skipped, 0) +
           ")";
  });
  row("startup span (probing start to first scrape): probes/s, skipped %",
      [](const ScaleResult& r) {
        return Fixed(r.start.probes / r.startup_window_s, 1) + ", " +
               Fixed(100.0 * r.start.skipped / std::max(1.0, r.start.skipped + r.start.probes), 3) +
               " (" + Fixed(r.start.skipped, 0) + " in " + Fixed(r.startup_window_s, 1) +
               " s; failed " + Fixed(r.start.failures, 0) + ")";
      });
  row("failed probes", [](const ScaleResult& r) {
    std::string text = Fixed(r.end.failures - r.start.failures, 0);
    for (const auto& [reason, count] : r.end.failures_by_reason) {
      auto before = r.start.failures_by_reason.find(reason);
      double delta = count - (before == r.start.failures_by_reason.end() ? 0 : before->second);
      if (delta > 0) text += " " + reason + "=" + Fixed(delta, 0);
    }
    return text;
  });
  row("schedule lag p50 / p90 / p99 (ms)", [](const ScaleResult& r) {
    return Fixed(r.end.lag_p50 * 1e3, 3) + " / " + Fixed(r.end.lag_p90 * 1e3, 3) + " / " +
           Fixed(r.end.lag_p99 * 1e3, 3);
  });
  row("latencyd_schedule_sustained_ratio at the second scrape",
      [](const ScaleResult& r) { return Fixed(r.end.sustained_ratio, 4); });
  row("latencyd CPU (% of one core)", [](const ScaleResult& r) { return Fixed(r.cpu_percent, 1); });
  row("latencyd CPU per probe (µs)", [](const ScaleResult& r) {
    double probes = r.end.probes - r.start.probes;
    return Fixed(r.cpu_percent / 100.0 * r.elapsed_s * 1e6 / std::max(1.0, probes), 1);
  });
  row("latencyd threads >= 1% of a core (TID order)",
      [](const ScaleResult& r) { return r.thread_cpu; });
  row("latencyd run-queue wait (% of wall, all threads)",
      [](const ScaleResult& r) { return Fixed(r.runqueue_percent, 1); });
  row("latencyd context switches per probe", [](const ScaleResult& r) {
    double probes = r.end.probes - r.start.probes;
    return Fixed(r.switches_per_s * r.elapsed_s / std::max(1.0, probes), 2);
  });
  row("nginx worker CPU (%)", [](const ScaleResult& r) { return Fixed(r.nginx_cpu_percent, 1); });
  row("RSS (MiB, /proc VmRSS)",
      [](const ScaleResult& r) { return Fixed(r.memory.rss_bytes / 1048576.0, 1); });
  row("peak RSS (MiB, VmHWM)",
      [](const ScaleResult& r) { return Fixed(r.memory.peak_bytes / 1048576.0, 1); });
  row("process_resident_memory_bytes (MiB)",
      [](const ScaleResult& r) { return Fixed(r.end.rss / 1048576.0, 1); });
  row("/metrics size (MiB)", [](const ScaleResult& r) {
    return Fixed(static_cast<double>(r.scrape_bytes) / 1048576.0, 2);
  });
  row("/metrics scrape time (s)", [](const ScaleResult& r) { return Fixed(r.scrape_s, 3); });
  row("/metrics scrape CPU in latencyd (ms)",
      [](const ScaleResult& r) { return Fixed(r.scrape_cpu_ms, 1); });
  row("/metrics bytes on the wire, plain (chunked)",
      [](const ScaleResult& r) { return std::to_string(r.scrape_wire_bytes); });
  row("gzip scrape: Content-Encoding, bytes on the wire (% of plain)", [](const ScaleResult& r) {
    return r.gzip_encoding + ", " + std::to_string(r.gzip_wire_bytes) + " (" +
           Fixed(100.0 * static_cast<double>(r.gzip_wire_bytes) /
                     std::max<double>(1, static_cast<double>(r.scrape_wire_bytes)),
                 2) +
           " %)";
  });
  row("gzip scrape time (s)", [](const ScaleResult& r) { return Fixed(r.gzip_s, 3); });
  row("gzip scrape CPU in latencyd (ms)",
      [](const ScaleResult& r) { return Fixed(r.gzip_cpu_ms, 1); });
  row("scrape CPU outside the probe loops (ms): plain, gzip (ratio)", [](const ScaleResult& r) {
    return Fixed(r.scrape_server_ms, 1) + ", " + Fixed(r.gzip_server_ms, 1) + " (" +
           Ratio(r.gzip_server_ms, r.scrape_server_ms) + ")";
  });
  row("zlib on the plain text, in the bench process: level: % of plain, CPU ms",
      [](const ScaleResult& r) {
        std::string text;
        for (const LevelCost& c : r.levels) {
          text += "L" + std::to_string(c.level) + ": " +
                  Fixed(100.0 * static_cast<double>(c.bytes) /
                            std::max<double>(1, static_cast<double>(r.scrape_bytes)),
                        2) +
                  " %, " + Fixed(c.cpu_ms, 0) + " ms; ";
        }
        return text;
      });
  row("raw client at the same rate: probes/s", [](const ScaleResult& r) {
    return Fixed(r.raw.rate, 1) +
           (r.raw.failed ? " (failed " + std::to_string(r.raw.failed) + ")" : "");
  });
  row("raw client CPU per probe (µs)", [](const ScaleResult& r) { return Fixed(r.raw.cpu_us, 1); });
  row("latencyd / raw CPU per probe", [](const ScaleResult& r) {
    double probes = r.end.probes - r.start.probes;
    return Ratio(r.cpu_percent / 100.0 * r.elapsed_s * 1e6 / std::max(1.0, probes), r.raw.cpu_us);
  });
  row("nginx CPU per probe, raw client run (µs)",
      [](const ScaleResult& r) { return Fixed(r.raw.nginx_us, 1); });
  row("TIME_WAIT sockets at end", [](const ScaleResult& r) { return std::to_string(r.time_wait); });
  row("SIGTERM to exit (s)", [](const ScaleResult& r) { return Fixed(r.stop_s, 2); });
  std::cout << "\n\nload average at end: " << LoadAverage() << "\n";
  PrintGoals(flags, results);
}

// Threads that keep CPUs busy for their lifetime: the daemon and the raw client on a machine
// that is not idle (--hog-threads).
class CpuHog {
 public:
  explicit CpuHog(int threads) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        volatile std::uint64_t spins = 0;
        while (!stop_.load(std::memory_order_relaxed)) spins = spins + 1;
      });
    }
  }
  ~CpuHog() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
  }
  CpuHog(const CpuHog&) = delete;
  CpuHog& operator=(const CpuHog&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// The floor at scale: the raw-socket client paced at the same rate (fresh connection per
// request, rotating over the target's addresses, `threads` threads) shows what any prober
// would pay on this machine for the same load.
RawFloor RunRawPaced(const LoadTarget& target, double rate, double seconds, int threads) {
  std::atomic<long> done{0}, failed{0};
  std::atomic<std::int64_t> cpu_ns{0};
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::duration<double>(seconds));
  const auto step = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(threads / rate));
  const std::int64_t nginx0 = CpuOf(target.ServerPids());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<RawHttpClient> clients;
      for (int i = 0; i < target.address_count(); ++i) {
        clients.emplace_back(target.Address(i + t), /*connection_close=*/false);
      }
      const std::int64_t cpu0 = ThreadCpuNanos();
      auto next = start + step * t / threads;
      for (std::size_t i = 0; next < end; ++i, next += step) {
        std::this_thread::sleep_until(next);
        HttpExchange exchange = clients[i % clients.size()].Get(/*keep_body=*/false);
        ++(exchange.ok && exchange.status == 200 ? done : failed);
      }
      cpu_ns += ThreadCpuNanos() - cpu0;
    });
  }
  for (auto& worker : workers) worker.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double total = std::max(1.0, static_cast<double>(done + failed));
  RawFloor floor;
  floor.rate = total / elapsed;
  floor.cpu_us = static_cast<double>(cpu_ns.load()) / 1e3 / total;
  floor.nginx_us = static_cast<double>(CpuOf(target.ServerPids()) - nginx0) / 1e3 / total;
  floor.failed = failed;
  return floor;
}

int Run(const Flags& flags) {
  InstallCleanupOnSignals();
  const rlim_t files = RaiseFileLimit();
  TempDir dir;
  LoadTarget target(
      LoadTarget::Options{flags.Str("target"), flags.Str("nginx"), flags.Int("addresses")});
  PrintHeader(flags, target, files);
  CpuHog hog(flags.Int("hog-threads"));
  if (flags.Int("hog-threads") > 0) {
    std::cout << "CPU hog: " << flags.Str("hog-threads")
              << " busy thread(s) in this process for the whole run (a machine that is not "
                 "idle)\n";
  }
  std::vector<ScaleResult> results;
  for (int endpoints : flags.IntList("endpoints")) {
    std::cout << "running " << endpoints << " endpoints..." << std::endl;
    results.push_back(RunOne(flags, target, dir.path(), endpoints));
    SleepSeconds(flags.Num("pause"));
    if (flags.Num("raw-seconds") <= 0) continue;
    const double rate = endpoints * 1000.0 / flags.Num("interval-ms");
    results.back().raw =
        RunRawPaced(target, rate, flags.Num("raw-seconds"), flags.Int("raw-threads"));
    SleepSeconds(flags.Num("pause"));
  }
  PrintResults(flags, results);
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_scale", argc, argv, latencyd::bench::kUsage,
                                   {{"endpoints", "1000,10000"},
                                    {"interval-ms", "1000"},
                                    {"warmup", "10"},
                                    {"duration", "60"},
                                    {"pause", "3"},
                                    {"raw-seconds", "15"},
                                    {"raw-threads", "2"},
                                    {"window", "1m"},
                                    {"gzip-levels", "1,3,6,9"},
                                    {"addresses", "8"},
                                    {"workers", "0"},
                                    {"hog-threads", "0"},
                                    {"daemon-nice", "0"},
                                    {"target", "auto"},
                                    {"nginx", "/usr/sbin/nginx"},
                                    {"latencyd", latencyd::bench::DefaultDaemonPath()}},
                                   latencyd::bench::Run);
}
