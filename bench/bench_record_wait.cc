// bench_record_wait: how long a probe loop waits to record a result while scrapes picture the
// same endpoints. The daemon's HTTP server threads run at nice +10 so that scrapes yield the
// CPU to the probe loops; if one is preempted while it holds a mutex a loop needs (an
// endpoint's, or the daemon-wide schedule lag's), the loop sleeps until the scraper runs again
// (a priority inversion). This program reproduces that without a network: EndpointStates with
// full windows and a ScheduleLagRecorder; one scraper thread at nice +10 picturing all of them
// once a second (as the first scrape after the windows changed does); optional CPU hogs at
// nice 0; and a recorder at nice 0 recording one result per endpoint per second with the lag
// of its start (as the loops do). A record that made the recorder sleep (a voluntary context
// switch, RUSAGE_THREAD) waited on a mutex; the program prints how many did and for how long.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/endpoint_fixture.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/histogram.h"
#include "daemon/window/schedule_lag.h"

namespace latencyd::bench {
namespace {

constexpr char kUsage[] =
    "bench_record_wait: waits of a nice-0 recorder on endpoint mutexes held by a nice +10\n"
    "scraper, with optional nice-0 CPU hogs beside them.";

// A successful probe with varied phases, so that every series takes a real sort.
probes::ProbeResult RandomResult(std::mt19937& random) {
  std::uniform_int_distribution<int> micros(50, 5000);
  probes::ProbeResult result;
  result.ok = true;
  result.http_status = 200;
  result.phases.connect = std::chrono::microseconds(micros(random));
  result.phases.ttfb = std::chrono::microseconds(micros(random));
  result.phases.transfer = std::chrono::microseconds(micros(random));
  result.total = result.phases.connect + result.phases.ttfb + result.phases.transfer;
  result.finished_wall = std::chrono::system_clock::now();
  return result;
}

void LowerOwnPriority(int increment) {
  const auto thread = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, thread, getpriority(PRIO_PROCESS, thread) + increment);
}

long VoluntarySwitches() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nvcsw;
}

struct Waits {
  long records = 0;
  std::vector<double> blocked_ms;  // the wall time of each Record that slept
};

// Records one result per endpoint per `interval`, round robin, for `duration`.
Waits RecordPaced(std::vector<std::unique_ptr<EndpointState>>& states, ScheduleLagRecorder& lag,
                  double seconds) {
  std::mt19937 random(7);
  Waits waits;
  const auto start = std::chrono::steady_clock::now();
  const auto step = std::chrono::nanoseconds(1'000'000'000 / states.size());
  auto next = start;
  for (std::size_t i = 0;
       std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds); ++i) {
    std::this_thread::sleep_until(next);
    const auto due = next;
    next += step;
    probes::ProbeResult result = RandomResult(random);
    const long before_switches = VoluntarySwitches();
    const auto before = std::chrono::steady_clock::now();
    lag.Record(before - due, before);  // as the scheduler records each start's lag
    states[i % states.size()]->Record(result, before);
    const auto after = std::chrono::steady_clock::now();
    ++waits.records;
    if (VoluntarySwitches() != before_switches) {
      waits.blocked_ms.push_back(std::chrono::duration<double, std::milli>(after - before).count());
    }
  }
  return waits;
}

int Run(const Flags& flags) {
  const int endpoints = flags.Int("endpoints");
  const double seconds = flags.Num("duration");
  const int hogs = flags.Int("hog-threads");
  config::ClassConfig klass{"core", std::chrono::milliseconds(5), 0.5, 5};
  const std::vector<double>& bounds = DefaultBucketBounds();
  std::vector<std::unique_ptr<EndpointState>> states;
  states.reserve(endpoints);
  std::mt19937 random(1);
  const auto start = std::chrono::steady_clock::now() - std::chrono::minutes(5);
  for (int i = 0; i < endpoints; ++i) {
    states.push_back(std::make_unique<EndpointState>(
        CoreEndpoint(i, std::chrono::minutes(5), std::chrono::seconds(1)), klass, bounds));
    for (int s = 0; s < 300; ++s) {
      states.back()->Record(RandomResult(random), start + std::chrono::seconds(s));
    }
  }

  ScheduleLagRecorder lag;
  std::atomic<bool> stop{false};
  std::atomic<long> passes{0};
  std::thread scraper([&] {
    LowerOwnPriority(flags.Int("scraper-nice"));
    std::vector<EndpointSnapshot> snapshots(states.size());
    const auto every = std::chrono::duration<double>(flags.Num("scrape-every"));
    auto next = std::chrono::steady_clock::now();
    while (!stop.load()) {
      std::this_thread::sleep_until(next);
      next += std::chrono::duration_cast<std::chrono::nanoseconds>(every);
      const auto now = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < states.size() && !stop.load(); ++i) {
        states[i]->SnapshotInto(now, snapshots[i]);
      }
      lag.Snapshot(now);
      passes.fetch_add(1);
    }
  });
  std::vector<std::thread> hog_threads;
  hog_threads.reserve(hogs);
  for (int i = 0; i < hogs; ++i) {
    hog_threads.emplace_back([&stop] {
      volatile unsigned long spin = 0;
      while (!stop.load(std::memory_order_relaxed)) spin = spin + 1;
    });
  }

  Waits waits = RecordPaced(states, lag, seconds);
  stop.store(true);
  scraper.join();
  for (auto& hog : hog_threads) hog.join();

  double blocked_total = 0;
  for (double ms : waits.blocked_ms) blocked_total += ms;
  std::vector<double> blocked = waits.blocked_ms;
  long over_1ms = 0;
  long over_5ms = 0;
  for (double ms : blocked) {
    over_1ms += ms > 1;
    over_5ms += ms > 5;
  }
  std::cout << "# bench_record_wait " << UtcNow() << "\n"
            << MachineSummary() << ", load " << LoadAverage() << "\n"
            << endpoints << " endpoints (5 min windows of 300 samples, 4 quantiles), recorder at "
            << endpoints << " results/s for " << seconds << " s; one scraper at nice +"
            << flags.Int("scraper-nice") << " picturing them every " << flags.Num("scrape-every")
            << " s; " << hogs << " CPU hog(s) at nice 0\n\n"
            << "| records | scraper passes | records that slept on a mutex | their wait p50 | "
               "p99 | max | > 1 ms | > 5 ms | time slept in all |\n"
            << "|---|---|---|---|---|---|---|---|---|\n"
            << "| " << waits.records << " | " << passes.load() << " | " << blocked.size() << " | "
            << Fixed(Quantile(blocked, 0.5), 3) << " ms | " << Fixed(Quantile(blocked, 0.99), 3)
            << " ms | " << Fixed(Quantile(blocked, 1.0), 3) << " ms | " << over_1ms << " | "
            << over_5ms << " | " << Fixed(blocked_total, 1) << " ms |\n";
  return 0;
}

}  // namespace
}  // namespace latencyd::bench

int main(int argc, char** argv) {
  return latencyd::bench::RunBench("bench_record_wait", argc, argv, latencyd::bench::kUsage,
                                   {{"endpoints", "10000"},
                                    {"duration", "30"},
                                    {"hog-threads", "2"},
                                    {"scraper-nice", "10"},
                                    {"scrape-every", "1"}},
                                   latencyd::bench::Run);
}
