// `latencyd probe`: picks the request (ad-hoc flags or a configured endpoint), runs it, prints.
#include "daemon/probe_command.h"

#include <future>
#include <ostream>
#include <thread>

#include "config/checks.h"
#include "config/config.h"
#include "config/units.h"
#include "daemon/probe_table.h"
#include "daemon/run.h"
#include "daemon/schedule/probe_spec_builder.h"
#include "daemon/text/human_units.h"
#include "daemon/text/redact.h"
#include "probes/probe_engine.h"

namespace latencyd {
namespace {

constexpr const char* kMethods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};

double Seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

// "Name: value" -> {Name, value}, checked by the config's header rules.
bool ParseHeader(const std::string& flag, probes::ProbeSpec* spec, std::string* error) {
  auto colon = flag.find(':');
  std::string name = flag.substr(0, colon);
  std::string value = colon == std::string::npos ? "" : flag.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  auto problem = colon == std::string::npos ? std::optional<std::string>("expected \"Name: value\"")
                                            : config::CheckHeaderName(name);
  if (!problem) problem = config::CheckHeaderValue(value);
  // The value may be a secret: the message names the header only.
  if (problem) *error = "--header " + name + ": " + *problem;
  if (!problem) spec->headers.emplace_back(name, value);
  return !problem;
}

bool ParseExpectStatus(const std::vector<std::string>& flags, probes::ProbeSpec* spec,
                       std::string* error) {
  if (flags.empty()) return true;
  spec->expect_status.clear();
  for (const std::string& flag : flags) {
    auto range = config::ParseStatusRange(flag);
    if (!range) {
      *error = "--expect-status \"" + flag + "\": expected a code such as 200, a class such as " +
               "2xx or a range such as 200-204";
      return false;
    }
    spec->expect_status.push_back({range->low, range->high});
  }
  return true;
}

// The config's http_version values, as the probe engine takes them.
std::optional<probes::HttpVersion> ParseHttpVersion(const std::string& text) {
  if (text == "1.1") return probes::HttpVersion::k1_1;
  if (text == "2") return probes::HttpVersion::k2;
  if (text == "auto") return probes::HttpVersion::kAuto;
  return std::nullopt;
}

bool CheckMethodAndVersion(const ProbeCommandOptions& options, std::string* error) {
  if (std::find(std::begin(kMethods), std::end(kMethods), options.method) == std::end(kMethods)) {
    *error = "--method \"" + options.method +
             "\": unknown method (known: DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT)";
    return false;
  }
  if (!options.http_version.empty() && !ParseHttpVersion(options.http_version)) {
    *error = "--http-version \"" + options.http_version + "\": expected 1.1, 2 or auto";
    return false;
  }
  return true;
}

std::optional<probes::ProbeSpec> EndpointProbeSpec(const ProbeCommandOptions& options,
                                                   std::ostream& err) {
  try {
    config::Config config = config::LoadConfigFile(options.config_file);
    for (const config::Endpoint& endpoint : config.endpoints) {
      if (endpoint.name == options.endpoint) return ToProbeSpec(endpoint);
    }
    err << "latencyd probe: " << options.config_file << " has no endpoint named \""
        << options.endpoint << "\"\n";
  } catch (const config::ConfigError& e) {
    for (const auto& diagnostic : e.diagnostics()) err << diagnostic.ToString() << "\n";
  }
  return std::nullopt;
}

probes::ProbeResult ProbeOnce(probes::ProbeEngine& engine,
                              const std::shared_ptr<const probes::PreparedProbe>& probe) {
  std::promise<probes::ProbeResult> done;
  std::future<probes::ProbeResult> result = done.get_future();
  engine.Submit(probe, 0, [&done](const probes::ProbeResult& r) { done.set_value(r); });
  return result.get();
}

std::string Describe(const ProbeCommandOptions& options, const probes::ProbeSpec& spec) {
  std::string what = options.endpoint.empty() ? "" : "endpoint " + options.endpoint + ": ";
  return "probing " + what + spec.method + " " + RedactUrl(spec.url) + " " +
         std::to_string(options.count) + " times every " +
         FormatSeconds(Seconds(options.interval)) + ", timeout " +
         FormatSeconds(Seconds(spec.timeout)) +
         (spec.keepalive ? " (keep-alive)\n" : " (a fresh connection per probe)\n");
}

}  // namespace

std::optional<probes::ProbeSpec> AdHocProbeSpec(const ProbeCommandOptions& options,
                                                std::string* error) {
  if (auto problem = config::CheckUrl(options.url)) {
    *error = *problem;  // redacted by CheckUrl
    return std::nullopt;
  }
  if (!CheckMethodAndVersion(options, error)) return std::nullopt;
  probes::ProbeSpec spec;
  spec.url = options.url;
  spec.method = options.method;
  spec.body = options.body;
  spec.timeout = options.timeout;
  spec.keepalive = options.keepalive;
  spec.tls.ca_file = options.ca_file;
  spec.tls.insecure_skip_verify = options.insecure;
  if (!options.http_version.empty()) spec.http_version = *ParseHttpVersion(options.http_version);
  if (spec.http_version == probes::HttpVersion::k2 && spec.url.rfind("http://", 0) == 0) {
    *error = "--http-version 2 needs an https:// URL (h2c is not supported)";
    return std::nullopt;
  }
  for (const std::string& header : options.headers) {
    if (!ParseHeader(header, &spec, error)) return std::nullopt;
  }
  if (!ParseExpectStatus(options.expect_status, &spec, error)) return std::nullopt;
  return spec;
}

int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<probes::ProbeSpec> spec;
  if (!options.endpoint.empty()) {
    spec = EndpointProbeSpec(options, err);
  } else {
    std::string error;
    spec = AdHocProbeSpec(options, &error);
    if (!spec) err << "latencyd probe: " << error << "\n";
  }
  if (!spec) return kExitUsage;
  if (!options.endpoint.empty() && !options.http_version.empty()) {
    err << "latencyd probe: --http-version cannot be combined with --endpoint (the config's "
           "http_version applies)\n";
    return kExitUsage;
  }
  std::shared_ptr<const probes::PreparedProbe> probe;
  try {
    probe = std::make_shared<const probes::PreparedProbe>(*spec);
  } catch (const std::exception& e) {
    err << "latencyd probe: " << e.what() << "\n";
    return kExitUsage;
  }
  probes::ProbeEngine engine(probes::ProbeEngine::Options{1});
  out << Describe(options, *spec) << ProbeTableHeader();
  std::vector<probes::ProbeResult> results;
  auto next = std::chrono::steady_clock::now();
  for (int i = 1; i <= options.count; ++i) {
    results.push_back(ProbeOnce(engine, probe));
    out << ProbeTableRow(i, results.back()) << std::flush;
    next += options.interval;  // fixed rate, like the daemon
    if (i < options.count) std::this_thread::sleep_until(next);
  }
  out << ProbeSummary(results) << ConnectionFacts(results, std::chrono::system_clock::now());
  bool all_ok = std::all_of(results.begin(), results.end(),
                            [](const probes::ProbeResult& r) { return r.ok; });
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace latencyd
