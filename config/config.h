// The validated configuration of latencyd as plain structs, with every default filled in.
// Nothing outside config/ sees YAML; everyone else reads these types.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace latencyd::config {

using Duration = std::chrono::nanoseconds;

// One accepted HTTP status range, inclusive on both ends ("200" is {200, 200}, "2xx" is
// {200, 299}, "200-204" is {200, 204}).
struct StatusRange {
  int low = 200;
  int high = 299;
  bool operator==(const StatusRange& other) const { return low == other.low && high == other.high; }
};

struct TlsConfig {
  bool insecure_skip_verify = false;
  // Offer the session of an earlier fresh connection (abbreviated handshake). Off by default:
  // every fresh-connection probe pays the full handshake a new client pays (README "What a
  // sample measures").
  bool session_reuse = false;
  std::string ca_file;    // empty: the system trust store
  std::string cert_file;  // client certificate (mutual TLS), optional
  std::string key_file;
  std::string server_name;  // SNI / verification name override, optional
  bool operator==(const TlsConfig& other) const;
};

struct Expect {
  std::vector<StatusRange> status = {{200, 399}};  // never empty once parsed
  std::string body_regex;  // empty: any body; ECMAScript syntax, searched not matched
  bool operator==(const Expect& other) const;
};

// Which duration of a sample a class compares with its threshold.
enum class Judge {
  kTotal,  // the whole exchange: DNS, connect, TLS, request, response (the default)
  kTtfb,   // request sent -> first response byte: the server's time plus one round trip
};
// "total", "ttfb": the config values and the `judge` label.
const char* JudgeName(Judge judge);

// The HTTP version an endpoint speaks: "1.1" (default), "2" (h2 over TLS, required), "auto"
// (h2 when the server offers it by ALPN, else 1.1).
enum class HttpVersion { k1_1, k2, kAuto };
const char* HttpVersionName(HttpVersion version);  // "1.1", "2", "auto"

// Credentials sent with every probe of an endpoint: a bearer token or basic auth, never both.
// The secrets are read from files when the config is loaded (and on every reload); their
// content is never shown, logged or compared, only where it came from.
struct Credentials {
  std::string bearer_token_file;  // resolved path; empty: no bearer token
  std::string bearer_token;       // the file's content, trailing line break stripped
  bool basic_auth = false;
  std::string username;
  std::string password_file;  // resolved path
  std::string password;       // the file's content
  // Same kind, same files, same username; the secrets themselves are not compared.
  bool SameSources(const Credentials& other) const;
  bool SameSecrets(const Credentials& other) const;
  bool empty() const { return bearer_token_file.empty() && !basic_auth; }
};

// A latency class: endpoints of a class are judged against its threshold.
struct ClassConfig {
  std::string name;
  Duration threshold{};
  double quantile = 0.5;  // which window quantile is compared with the threshold
  // An endpoint with fewer judged samples since it started (or its judgement was reset) is
  // never breached (too little evidence).
  int min_samples = 5;
  Judge judge = Judge::kTotal;
  // The breach detector's decision level h: about e^-h false alarms per probe while healthy;
  // each +2.3 (ln 10) means ten times fewer false flips and slower verdicts.
  double detector_level = 9;
  // Whether timed-out probes enter the window's quantiles as censored samples at their
  // deadline, so a stall shows as "p99 >= deadline" instead of the fast survivors' p99.
  bool timeouts_in_quantiles = true;
};

// The settings every endpoint inherits unless it overrides them.
struct Defaults {
  Duration interval = std::chrono::seconds(1);
  Duration timeout = std::chrono::seconds(1);
  Duration window = std::chrono::minutes(5);
  std::vector<double> quantiles = {0.5, 0.9, 0.95, 0.99};
  bool keepalive = false;
  std::uint64_t max_body = 1024 * 1024;
  int max_redirects = 5;  // 0: redirects are not followed (a 3xx is judged as it is)
  // A redirect from https to http fails the probe (reason redirect) unless this is set.
  bool allow_insecure_redirect = false;
  // 1.1 by default: what benchmark tools (wrk, ab, hey, pytest clients) speak, and it cannot
  // change under the measurements when a server starts offering h2.
  HttpVersion http_version = HttpVersion::k1_1;
  bool tls_session_reuse = false;  // `defaults.tls.session_reuse`, inherited into Endpoint::tls

  Credentials credentials;  // bearer_token_file or basic_auth
  // Whether a file wrote `timeout` (in defaults or the endpoint). An unwritten timeout is
  // min(1s, interval), so a short interval needs no timeout of its own; a written one above
  // the interval is an error.
  bool timeout_written = false;
};

struct Endpoint {
  std::string name;  // unique; the `endpoint` label
  std::string url;
  std::string class_name;  // a key of Config::classes
  std::string method = "GET";
  // In file order; a value given as `{file: PATH}` holds the file's content.
  std::vector<std::pair<std::string, std::string>> headers;
  // Header name -> the file its value was read from, for those given as `{file: PATH}`.
  std::map<std::string, std::string> header_files;
  Credentials credentials;  // the endpoint's own, else those of `defaults`
  std::string body;
  Expect expect;
  Duration interval{};
  Duration timeout{};
  Duration window{};
  std::vector<double> quantiles;  // sorted ascending, unique; always contains the class quantile
  bool keepalive = false;
  std::uint64_t max_body = 0;
  int max_redirects = 0;
  bool allow_insecure_redirect = false;
  HttpVersion http_version = HttpVersion::k1_1;
  std::map<std::string, std::string> labels;  // extra labels on every series of the endpoint
  TlsConfig tls;
  // The release benchmark's median this endpoint is compared with (README "Regression
  // baselines"), resolved from a pytest-benchmark file or a literal duration; nullopt: none.
  std::optional<Duration> baseline;
  std::string baseline_ref;          // as written: a benchmark name or a duration; empty: none
  double baseline_tolerance = 0.15;  // Config::baseline.tolerance, copied for EndpointState
  std::string file;  // the file it was defined in: the config file or one of its endpoint_files
  int line = 0;      // where the endpoint starts in `file`, for messages

  // True when the two endpoints probe the same way, so a reload may keep the window. Secrets
  // read from files are compared by file, not content: a rotated token measures the same.
  bool SameProbeSettings(const Endpoint& other) const;
  // True when the content of every secret file is unchanged too (else a kept endpoint must
  // start sending the new secret).
  bool SameSecrets(const Endpoint& other) const;
};

// Where baselines come from and how much slower than them is still fine.
struct BaselineConfig {
  std::string pytest_benchmark;  // a --benchmark-json file, resolved against the config's dir
  // A regression is a window median above baseline x (1 + tolerance); "15%" is 0.15.
  // 15% by default: the reference release's own gate.
  double tolerance = 0.15;
};

struct Config {
  std::string source_path;
  Defaults defaults;
  BaselineConfig baseline;
  std::map<std::string, ClassConfig> classes;  // always holds core and async unless overridden
  // The config file's own endpoints in file order, then those of each endpoint file (files in
  // the sorted order of their patterns' matches).
  std::vector<Endpoint> endpoints;
  // `endpoint_files` globs, resolved against the config file's directory; and the files they
  // matched when loaded, which a reload should watch for changes.
  std::vector<std::string> endpoint_files;
  std::vector<std::string> endpoint_file_paths;

  const ClassConfig& ClassOf(const Endpoint& endpoint) const {
    return classes.at(endpoint.class_name);
  }
};

// One problem in a config file, located as precisely as the YAML allows.
struct Diagnostic {
  std::string file;
  int line = 0;          // 1-based; 0 when the problem is the file as a whole
  int column = 0;        // 1-based
  std::string key_path;  // e.g. endpoints[2].class
  std::string message;
  // "file:line:column: key.path: message"; without "line:column:" when line is 0 and
  // without "key.path: " when the path is empty.
  std::string ToString() const;
};

// Thrown by LoadConfigFile/ParseConfig; carries every problem found, in file order (those of
// endpoint files after those of the config file). what() is every diagnostic, one per line.
// Immutable once thrown, so safe to read from any thread.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

struct LoadOptions {
  // false: secret files are checked as paths (and ${CREDENTIALS_DIRECTORY} expanded) but not
  // opened, and the secrets are left empty. Only for checking a file (the unit's reload
  // check cannot open its credentials on systemd 252); never for probing.
  bool read_secret_files = true;
};

// Reads, parses and validates a config file (at most 1 MiB), with its endpoint_files,
// baseline file and secret files. Throws ConfigError. Keeps no state between calls, so a
// reload may run on any thread while the old Config is in use.
Config LoadConfigFile(const std::string& path, const LoadOptions& options = {});

// Parses and validates config text; `file_name` is used in messages and to resolve the
// relative paths of endpoint_files, baseline.pytest_benchmark and secret files. Throws
// ConfigError.
Config ParseConfig(const std::string& text, const std::string& file_name,
                   const LoadOptions& options = {});

}  // namespace latencyd::config
