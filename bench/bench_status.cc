// In-process figures for the status page's data at 10,000 endpoints (no network): the memory
// the 24 h history adds per endpoint, the time to render the status page, the JSON API and
// the state file, and the state file's size and restore time. Prints markdown.
//
//   bench_status [--endpoints=10000] [--samples=300]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "daemon/storage/state_file.h"
#include "daemon/web/endpoints_json.h"
#include "daemon/web/status_page.h"
#include "daemon/window/endpoint_state.h"
#include "daemon/window/history.h"

namespace latencyd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kGrid = 1'764'460'100;  // a bucket start

std::size_t HeapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

probes::WallTime Wall(double unix) {
  return probes::WallTime(
      std::chrono::duration_cast<probes::WallTime::duration>(std::chrono::duration<double>(unix)));
}
SteadyTime Steady(double unix) {
  return SteadyTime(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(unix)));
}

config::Endpoint EndpointConfig(int i) {
  config::Endpoint e;
  e.name = "endpoint_" + std::to_string(i);
  e.url = "http://127.0.0.1:8000/api/endpoint_" + std::to_string(i);
  e.class_name = "core";
  e.interval = std::chrono::seconds(1);
  e.timeout = std::chrono::seconds(1);
  e.window = std::chrono::minutes(5);
  e.quantiles = {0.5, 0.9, 0.95, 0.99};
  return e;
}

probes::ProbeResult Success(double at, int micros) {
  probes::ProbeResult r;
  r.ok = true;
  r.reason = probes::FailureReason::kNone;
  r.total = std::chrono::microseconds(micros);
  r.finished_wall = Wall(at);
  return r;
}

// Heap of `count` standalone History rings after a full day, per endpoint.
double HistoryBytesPerEndpoint(int count) {
  const std::size_t before = HeapInUse();
  std::vector<History> histories(count);
  for (History& h : histories) {
    for (int b = 0; b < History::kBucketCount + 5; ++b) {
      h.Advance(kGrid + 300.0 * b, 1500, 4000);
      for (int k = 0; k < 300; ++k) h.CountSuccess();
    }
  }
  const std::size_t after = HeapInUse();
  return (static_cast<double>(after - before) + sizeof(History) * count) / count;
}

struct World {
  std::vector<config::Endpoint> configs;
  std::vector<std::unique_ptr<EndpointState>> states;
};

// `count` endpoints with a full day of history and a full window of `samples` samples.
World Fill(int count, int samples, double* now) {
  World world;
  config::ClassConfig core;
  core.name = "core";
  core.threshold = std::chrono::milliseconds(5);
  const double day_end = kGrid + 300.0 * History::kBucketCount;
  for (int i = 0; i < count; ++i) {
    world.configs.push_back(EndpointConfig(i));
    auto state = std::make_unique<EndpointState>(world.configs.back(), core,
                                                 std::vector<double>{0.001, 0.005, 0.1});
    // One probe a bucket for the day (the buckets' counts do not change their size) ...
    for (int b = 0; b < History::kBucketCount - 1; ++b) {
      const double at = kGrid + 300.0 * b + 1;
      state->Record(Success(at, 900 + b), Steady(at));
    }
    // ... then a full window at 1 s in the last five minutes.
    for (int k = 0; k < samples; ++k) {
      const double at = day_end - samples + k;
      state->Record(Success(at, 800 + (k * 37 + i) % 900), Steady(at));
    }
    world.states.push_back(std::move(state));
  }
  *now = day_end + 0.5;
  return world;
}

void Report(int count, int samples) {
  std::printf("### bench_status (%d endpoints, in process, no network)\n\n", count);
  std::printf("| figure | value |\n|---|---|\n");
  std::printf("| history heap per endpoint (24 h, 287 closed buckets + open) | %.0f B |\n",
              HistoryBytesPerEndpoint(count));
  std::printf("| sizeof(History) / sizeof(EndpointState) | %zu B / %zu B |\n", sizeof(History),
              sizeof(EndpointState));

  double now = 0;
  auto start = Clock::now();
  World world = Fill(count, samples, &now);
  std::printf("| filling %d endpoints (a day of buckets + %d samples each) | %.0f ms |\n", count,
              samples, Ms(start));
  std::size_t heap = 0;
  for (const auto& s : world.states) heap += s->HeapBytes();
  std::printf("| window + history heap, all endpoints (HeapBytes) | %.1f MiB |\n",
              heap / 1048576.0);

  start = Clock::now();
  DaemonSnapshot snapshot;
  snapshot.generated_at_seconds = now;
  for (auto& s : world.states) snapshot.endpoints.push_back(s->Snapshot(Steady(now), Wall(now)));
  std::printf("| snapshot without history | %.0f ms |\n", Ms(start));
  HistoryLookup lookup = [&](const EndpointSnapshot& e) {
    const int i = std::stoi(e.name.substr(std::strlen("endpoint_")));
    return world.states[i]->HistoryBuckets(Steady(now), Wall(now));
  };
  start = Clock::now();
  std::string page = RenderStatusPage(snapshot, {}, lookup);
  std::printf(
      "| status page, page 1 of %d (100 rows, histories read for them) | %.0f ms, %zu kB |\n",
      (count + 99) / 100, Ms(start), page.size() / 1000);
  EndpointFilter last;
  last.page = (count + 99) / 100;
  start = Clock::now();
  page = RenderStatusPage(snapshot, last, lookup);
  std::printf("| status page, last page | %.0f ms |\n", Ms(start));
  EndpointFilter no_history;
  no_history.history = false;
  start = Clock::now();
  std::string json = RenderEndpointsJson(snapshot, no_history, lookup);
  std::printf("| /api/v1/endpoints?history=false | %.0f ms, %.1f MB |\n", Ms(start),
              json.size() / 1e6);
  start = Clock::now();
  json = RenderEndpointsJson(snapshot, {}, lookup);
  std::printf("| /api/v1/endpoints (with history) | %.0f ms, %.1f MB |\n", Ms(start),
              json.size() / 1e6);
  json.clear();
  json.shrink_to_fit();

  start = Clock::now();
  StateFileWriter writer(0, static_cast<std::uint32_t>(count));
  std::string file;
  for (std::size_t i = 0; i < world.states.size(); ++i) {
    EndpointState::Persisted p = world.states[i]->Persist();
    EndpointRecord record;
    record.name = world.configs[i].name;
    record.samples = std::move(p.samples);
    record.open_bucket_index = p.open_bucket_index;
    record.open_counts = p.open_counts;
    record.closed_buckets = std::move(p.closed_buckets);
    writer.Add(record);
    file += writer.TakeBytes();
  }
  file += writer.Finish();
  std::printf("| state file: encode (in memory, no disk) | %.0f ms, %.1f MB |\n", Ms(start),
              file.size() / 1e6);
  start = Clock::now();
  StateFile decoded;
  std::string error;
  const bool ok = DecodeStateFile(file, &decoded, &error);
  std::printf("| state file: decode | %.0f ms%s |\n", Ms(start), ok ? "" : " (FAILED)");
  std::printf("\n");
}

}  // namespace
}  // namespace latencyd

int main(int argc, char** argv) {
  int endpoints = 10'000;
  int samples = 300;
  for (int i = 1; i < argc; ++i) {
    if (std::sscanf(argv[i], "--endpoints=%d", &endpoints) == 1) continue;
    if (std::sscanf(argv[i], "--samples=%d", &samples) == 1) continue;
    std::fprintf(stderr, "usage: %s [--endpoints=N] [--samples=N]\n", argv[0]);
    return 2;
  }
  latencyd::Report(endpoints, samples);
  return 0;
}
