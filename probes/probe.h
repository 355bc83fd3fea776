// What a probe is asked to do (ProbeSpec) and what it found (ProbeResult). The probe engine
// knows neither YAML nor Prometheus; the daemon translates config into ProbeSpec.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latencyd::probes {

using Duration = std::chrono::nanoseconds;
using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Why a probe failed. The names (ReasonName) are the `reason` label values listed in the
// README's "Metrics" section and explained in probes/README.md "Failure reasons".
enum class FailureReason {
  kNone,  // the probe succeeded
  kTimeout,
  kDns,
  kConnect,
  kTls,
  kStatus,
  kBodyMismatch,
  kTooLarge,
  kReset,
  kRedirect,  // a redirect the policy refuses (https to http, a body re-sent to another origin)
  kOther,
};
inline constexpr int kFailureReasonCount = 11;

// "timeout", "dns", ...; "" for kNone.
std::string_view ReasonName(FailureReason reason);
// Every reason except kNone, in declaration order (for exporting zero-valued counters).
const std::vector<FailureReason>& AllFailureReasons();

struct StatusRange {
  int low = 200;
  int high = 399;
};

struct TlsSpec {
  bool insecure_skip_verify = false;
  // Offer the TLS session of an earlier fresh connection to the same server (an abbreviated,
  // "resumed" handshake). false: every fresh connection pays a full handshake.
  bool session_reuse = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
};

// Which HTTP version a probe speaks. k1_1 everywhere; k2 requires HTTP/2 over TLS (ALPN "h2")
// and fails the probe when the server does not agree; kAuto offers h2 over TLS and takes what
// the server picks (plain http stays 1.1: no h2c).
enum class HttpVersion { k1_1, k2, kAuto };

// What both HTTP clients send as User-Agent unless the spec sets one.
inline constexpr char kUserAgent[] = "latencyd/0.1";

struct ProbeSpec {
  std::string url;  // http:// or https:// only; other schemes fail with reason kOther
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<StatusRange> expect_status = {{200, 399}};
  std::string body_regex;  // empty: not checked; ECMAScript, searched anywhere in the body
  Duration timeout = std::chrono::seconds(1);  // total deadline: DNS, connect, TLS and body
  bool keepalive = false;                      // false: a fresh connection for every probe
  std::uint64_t max_body = 1024 * 1024;        // decompressed bytes; more fails with kTooLarge
  int max_redirects = 5;                       // 0: do not follow
  // Redirect policy (probes/README.md): custom headers and the body go only to the origin of
  // `url`; a redirect from https to http fails with kRedirect unless this is set.
  bool allow_insecure_redirect = false;
  HttpVersion http_version = HttpVersion::k1_1;
  TlsSpec tls;
};

// Whether `spec` configures a header named `name` (case-insensitive).
bool HasHeader(const ProbeSpec& spec, std::string_view name);

// Durations of the phases of one request, each measured from the end of the previous phase,
// so they add up to the total. A phase that did not happen (DNS of an IP literal, TLS over
// plain HTTP, anything on a reused connection) is zero. When a probe fails mid-way, the phase
// in progress takes the rest of the total and later phases are zero. With redirects each phase
// is the sum of that phase over all hops, and `transfer` also holds the redirect responses and
// the time between hops, so the sum is still the total (details: probes/README.md).
struct PhaseTimings {
  Duration dns{};
  Duration connect{};
  Duration tls{};
  Duration ttfb{};      // request sent until the first response byte
  Duration transfer{};  // first byte until the last byte
};

inline constexpr int kPhaseCount = 5;
// "dns", "connect", "tls", "ttfb", "transfer": the `phase` label values.
std::string_view PhaseName(int phase_index);
Duration PhaseAt(const PhaseTimings& phases, int phase_index);

// Why a probe was not run when the cause is latencyd's own, never the target's. Such a result
// is no sample and no failure: the scheduler counts it in latencyd_probes_skipped_total.
enum class SkipCause {
  kNone,              // the probe ran (ok or failed)
  kStartedLate,       // started with less than half its timeout left before its deadline
  kOutOfDescriptors,  // the process ran out of file descriptors (RLIMIT_NOFILE) for its socket
  kLoopBusy,          // timed out with the target's answer (or connection) waiting unread since
                      // before the deadline: the loop was too busy to read it (overload)
};

struct ProbeResult {
  SkipCause skipped = SkipCause::kNone;  // when set, `error` says why and nothing else counts
  bool ok = false;
  FailureReason reason = FailureReason::kOther;
  std::string error;    // human-readable detail for the status page and logs; empty when ok
  int http_status = 0;  // 0 when no response arrived
  Duration total{};     // start of the request until the last body byte (or the failure)
  PhaseTimings phases;
  std::uint64_t body_bytes = 0;
  bool connection_reused = false;
  std::string http_version;  // of the (last) response: "1.1", "2" ("1.0" from old servers); "" none
  // Facts of the TLS handshake this probe made; tls_version is "" when it made none (plain
  // http, a reused connection, or the handshake did not complete).
  std::string tls_version;          // as OpenSSL names it: "TLSv1.3", "TLSv1.2"
  bool tls_session_reused = false;  // the server resumed an earlier session (abbreviated)
  // Unix time of the earliest notAfter among the certificates the server presented (leaf and
  // intermediates), NaN when unknown.
  double cert_not_after_unix = std::nan("");
  SteadyTime started{};      // when the engine handed the request to libcurl
  WallTime finished_wall{};  // for latencyd_last_probe_timestamp_seconds
};

}  // namespace latencyd::probes
