// bench_hostile: the daemon's HTTP server under hostile clients, over loopback, fresh
// connections. Prints (1) /metrics and /-/healthy latency while N slowloris clients (a
// partial request, then one header line every --trickle seconds; reconnecting when dropped)
// hold connections, against the same with no attack; (2) the daemon's peak RSS (VmHWM)
// around an 11 MB request head and a 100 MiB Content-Length, and whether either reloaded.
// --latencyd=PATH measures another build (an older one, to compare).
#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/daemon_process.h"
#include "bench/load_target.h"
#include "test/support/raw_client.h"

namespace latencyd::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kUsage[] =
    "bench_hostile [--clients=256] [--trickle=5] [--duration=20] [--latencyd=PATH]\n"
    "              [--lifecycle=1]   (0: builds without --web.enable-lifecycle)\n"
    "  /metrics and /-/healthy latency under slowloris clients, and peak RSS around\n"
    "  oversized requests, against the latencyd binary (loopback, fresh connections).";

long PeakRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Latencies (s) of GETs of `path` over `seconds`, one every 100 ms; a GET without an answer
// within 10 s counts as 10 s and as unanswered.
std::vector<double> SampleLatency(int port, const std::string& path, double seconds,
                                  int* unanswered) {
  std::vector<double> samples;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    auto start = Clock::now();
    if (testing::Get(port, path, milliseconds(10000)) != 200) ++*unanswered;
    samples.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    std::this_thread::sleep_for(milliseconds(100));
  }
  return samples;
}

void PrintLatency(const std::string& label, std::vector<double> samples, int unanswered) {
  std::cout << "| " << label << " | " << samples.size() << " | "
            << Fixed(Quantile(samples, 0.5) * 1000, 2) << " | "
            << Fixed(Quantile(samples, 0.99) * 1000, 2) << " | "
            << Fixed(Quantile(samples, 1.0) * 1000, 2) << " | " << unanswered << " |\n";
}

// N clients that each keep one partial request open, trickling, reconnecting when dropped.
class Slowloris {
 public:
  Slowloris(int port, int clients, double trickle_seconds)
      : port_(port), trickle_(trickle_seconds) {
    for (int i = 0; i < clients; ++i) connections_.push_back(Open());
    thread_ = std::thread([this] { Run(); });
  }
  ~Slowloris() {
    stop_ = true;
    thread_.join();
  }
  int reconnects() const { return reconnects_; }

 private:
  std::unique_ptr<testing::RawConnection> Open() {
    auto connection = std::make_unique<testing::RawConnection>(port_);
    connection->Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n", milliseconds(100));
    return connection;
  }
  void Run() {
    auto next = Clock::now();
    while (!stop_) {
      for (auto& connection : connections_) {
        if (connection->WaitForClose(milliseconds(0))) {  // dropped: come back at once
          connection = Open();
          ++reconnects_;
        }
      }
      if (Clock::now() >= next) {
        for (auto& connection : connections_) connection->Send("X-Slow: 1\r\n", milliseconds(10));
        next = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(trickle_));
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }

  const int port_;
  const double trickle_;
  std::vector<std::unique_ptr<testing::RawConnection>> connections_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reconnects_{0};
  std::thread thread_;
};

// Sends `head_bytes` of header lines after a POST /-/reload request line (stopping when the
// daemon closes); returns the bytes it managed to send.
std::size_t SendHugeHead(int port, std::size_t head_bytes) {
  testing::RawConnection connection(port);
  connection.Send("POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  std::string block;
  while (block.size() < 64 * 1024) block += "X-Filler: 0123456789\r\n";
  std::size_t sent = 0;
  while (sent < head_bytes && connection.Send(block, milliseconds(5000))) sent += block.size();
  if (sent >= head_bytes) connection.Send("\r\n");
  connection.ReadUntilClosed(milliseconds(10000));
  return sent;
}

int CountReloads(const std::string& log) {
  int count = 0;
  for (const char* needle : {"config reloaded", "reload failed"}) {
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      ++count;
    }
  }
  return count;
}

int Run(const Flags& flags) {
  TempDir dir;
  DaemonConfig config;
  config.urls = {"http://127.0.0.1:1/"};
  config.interval = "1h";
  config.window = "1h";
  std::vector<std::string> args;
  if (flags.Int("lifecycle") != 0) args.push_back("--web.enable-lifecycle");
  DaemonProcess daemon(flags.Str("latencyd"), dir.path(), config, 1, std::chrono::seconds(60),
                       args);
  const int port = daemon.port();
  std::cout << "# bench_hostile " << UtcNow() << " on " << MachineSummary() << ", load "
            << LoadAverage() << "\n\n"
            << "| phase | GETs | p50 ms | p99 ms | max ms | unanswered in 10 s "
               "|\n|---|---|---|---|---|---|\n";
  double duration = flags.Num("duration");
  for (const char* path : {"/metrics", "/-/healthy"}) {
    int unanswered = 0;
    auto samples = SampleLatency(port, path, duration / 4, &unanswered);
    PrintLatency(std::string(path) + ", no attack", samples, unanswered);
  }
  {
    Slowloris attack(port, flags.Int("clients"), flags.Num("trickle"));
    for (const char* path : {"/metrics", "/-/healthy"}) {
      int unanswered = 0;
      auto samples = SampleLatency(port, path, duration / 2, &unanswered);
      PrintLatency(std::string(path) + ", " + flags.Str("clients") + " slowloris clients", samples,
                   unanswered);
    }
    std::cout << "\nslowloris clients dropped by the daemon (and reconnected) during the "
                 "attack: "
              << attack.reconnects() << "\n";
  }
  long before = PeakRssKiB(daemon.pid());
  std::size_t sent = SendHugeHead(port, 11 * 1000 * 1000);
  long after_head = PeakRssKiB(daemon.pid());
  testing::RawConnection large(port);
  large.Send("POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 104857600\r\n\r\n");
  std::string answer = large.ReadResponse(milliseconds(10000)).value_or("(none)");
  long after_body = PeakRssKiB(daemon.pid());
  std::cout << "\npeak RSS: " << before << " KiB before, " << after_head
            << " KiB after an 11 MB head (" << sent << " bytes of it sent before the daemon "
            << "closed), " << after_body << " KiB after a 100 MiB Content-Length (answer: "
            << answer.substr(0, answer.find("\r\n"))
            << "); reloads run: " << CountReloads(daemon.Log()) << "\n";
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_hostile", argc, argv, latencyd::bench::kUsage,
                                   {{"clients", "256"},
                                    {"trickle", "5"},
                                    {"duration", "20"},
                                    {"lifecycle", "1"},
                                    {"latencyd", latencyd::bench::DefaultDaemonPath()}},
                                   latencyd::bench::Run);
}
