#include "daemon/baseline_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <limits>
#include <ostream>
#include <thread>

#include "daemon/build_info.h"
#include "daemon/schedule/monitor.h"
#include "daemon/text/escape.h"
#include "daemon/text/human_units.h"

namespace latencyd {
namespace {

// Quantiles the stats block needs: min, q1, median, q3, max.
const std::vector<double> kStatsQuantiles = {0.0, 0.25, 0.5, 0.75, 1.0};

double QuantileOf(const SummarySnapshot& summary, double q) {
  for (const QuantileValue& v : summary.quantiles) {
    if (v.quantile == q) return v.seconds;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::string HostName() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string();
}

std::string StatsJson(const EndpointSnapshot& e) {
  const SummarySnapshot& d = e.duration;
  const double q1 = QuantileOf(d, 0.25), q3 = QuantileOf(d, 0.75);
  std::string s = "{";
  s += "\"min\": " + JsonNumber(QuantileOf(d, 0.0));
  s += ", \"max\": " + JsonNumber(QuantileOf(d, 1.0));
  s += ", \"mean\": " + JsonNumber(d.sum_seconds / static_cast<double>(d.count));
  s += ", \"median\": " + JsonNumber(QuantileOf(d, 0.5));
  s += ", \"q1\": " + JsonNumber(q1) + ", \"q3\": " + JsonNumber(q3);
  s += ", \"iqr\": " + JsonNumber(q3 - q1);
  s += ", \"rounds\": " + std::to_string(d.count) + ", \"iterations\": 1}";
  return s;
}

std::string BenchmarkJson(const config::Endpoint& endpoint, const EndpointSnapshot& e) {
  std::string s = "    {\"group\": " + JsonString(e.class_name);
  s += ", \"name\": " + JsonString(e.name);
  s += ", \"fullname\": " + JsonString("latencyd::" + e.name);
  s += ", \"params\": null, \"param\": null";
  s += ", \"extra_info\": {\"url\": " + JsonString(endpoint.url);
  s += ", \"method\": " + JsonString(endpoint.method);
  s += ", \"keepalive\": " + std::string(endpoint.keepalive ? "true" : "false");
  s += ", \"interval_seconds\": " +
       JsonNumber(std::chrono::duration<double>(endpoint.interval).count());
  s += ", \"failures\": " + std::to_string(e.failures) + "}";
  s += ",\n     \"stats\": " + StatsJson(e) + "}";
  return s;
}

}  // namespace

config::Config BaselineRunConfig(config::Config config, std::chrono::nanoseconds duration) {
  for (auto& [name, klass] : config.classes) klass.timeouts_in_quantiles = false;
  for (config::Endpoint& endpoint : config.endpoints) {
    // A window longer than the run keeps every sample (up to kMaxWindowSamples).
    endpoint.window = std::max(endpoint.window, duration + std::chrono::minutes(1));
    endpoint.quantiles.insert(endpoint.quantiles.end(), kStatsQuantiles.begin(),
                              kStatsQuantiles.end());
    std::sort(endpoint.quantiles.begin(), endpoint.quantiles.end());
    endpoint.quantiles.erase(std::unique(endpoint.quantiles.begin(), endpoint.quantiles.end()),
                             endpoint.quantiles.end());
  }
  return config;
}

std::string RenderBaselineJson(const config::Config& config, const DaemonSnapshot& snapshot,
                               double unix_now) {
  std::string json = "{\n  \"machine_info\": {\"node\": " + JsonString(HostName()) +
                     ", \"measured_by\": " + JsonString(std::string("latencyd ") + BuildVersion()) +
                     "},\n  \"commit_info\": {},\n  \"benchmarks\": [\n";
  bool first = true;
  for (const config::Endpoint& endpoint : config.endpoints) {
    auto found = std::find_if(snapshot.endpoints.begin(), snapshot.endpoints.end(),
                              [&](const EndpointSnapshot& e) { return e.name == endpoint.name; });
    if (found == snapshot.endpoints.end() || found->duration.count == 0) continue;
    if (!first) json += ",\n";
    json += BenchmarkJson(endpoint, *found);
    first = false;
  }
  json += "\n  ],\n  \"datetime\": " + JsonString(FormatIsoUtc(unix_now)) +
          ",\n  \"version\": " + JsonString(BuildVersion()) + "\n}\n";
  return json;
}

int RunBaselineCommand(const BaselineCommandOptions& options, std::ostream& out,
                       std::ostream& err) {
  config::Config config;
  try {
    config = BaselineRunConfig(config::LoadConfigFile(options.config_file), options.duration);
  } catch (const config::ConfigError& e) {
    err << e.what();
    return 1;
  }
  Monitor monitor(Monitor::Options{options.probe_workers});
  monitor.Apply(config);
  err << "latencyd baseline: probing " << config.endpoints.size() << " endpoints for "
      << std::chrono::duration<double>(options.duration).count() << " s\n";
  std::this_thread::sleep_for(options.duration);
  const DaemonSnapshot snapshot = monitor.Snapshot();
  monitor.Stop();
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string json = RenderBaselineJson(config, snapshot, now);
  if (options.output == "-") {
    out << json;
  } else {
    std::ofstream file(options.output, std::ios::trunc);
    file << json;
    if (!file.flush()) {
      err << "latencyd baseline: cannot write " << options.output << "\n";
      return 1;
    }
  }
  int silent = 0;
  for (const EndpointSnapshot& e : snapshot.endpoints) {
    if (e.duration.count > 0) continue;
    err << "latencyd baseline: " << e.name << " never answered (" << e.last_error
        << "); left out\n";
    ++silent;
  }
  return silent == 0 ? 0 : 1;
}

}  // namespace latencyd
