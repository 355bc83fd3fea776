// Transfer::Finish: reading libcurl's report and turning it into a ProbeResult.
#include <curl/curl.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "probes/failure.h"
#include "probes/phases.h"
#include "probes/prepared_probe_internal.h"
#include "probes/transfer.h"

namespace latencyd::probes {
namespace {

std::int64_t TimeUs(CURL* e, CURLINFO info) {
  curl_off_t v = 0;
  return curl_easy_getinfo(e, info, &v) == CURLE_OK ? static_cast<std::int64_t>(v) : 0;
}

long LongInfo(CURL* e, CURLINFO info) {
  long v = 0;
  return curl_easy_getinfo(e, info, &v) == CURLE_OK ? v : 0;
}

// libcurl reports a socket() that failed with EMFILE as a plain CURLE_COULDNT_CONNECT and
// does not keep the errno; so when a connect failed without an errno, try to create a socket
// now: if that fails with EMFILE/ENFILE as well, the process is out of descriptors. Only for
// connect failures: a timeout or reset had its socket, and stays the target's.
bool OutOfDescriptors(CURL* e, int curl_code) {
  const long os_errno = LongInfo(e, CURLINFO_OS_ERRNO);
  if (os_errno == EMFILE || os_errno == ENFILE) return true;
  if (os_errno != 0 || curl_code != CURLE_COULDNT_CONNECT) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return errno == EMFILE || errno == ENFILE;
}

std::string HttpVersionName(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return "";
  }
}

}  // namespace

ProbeResult Transfer::Finish(int curl_code) const {
  CURL* e = static_cast<CURL*>(easy_);
  const ProbeSpec& spec = probe_->spec();
  ProbeResult r;
  r.started = started_;
  r.finished_wall = std::chrono::system_clock::now();
  r.http_status = static_cast<int>(LongInfo(e, CURLINFO_RESPONSE_CODE));
  r.body_bytes = body_bytes_;

  CurlTimes times;
  times.namelookup_us = TimeUs(e, CURLINFO_NAMELOOKUP_TIME_T);
  times.connect_us = TimeUs(e, CURLINFO_CONNECT_TIME_T);
  times.appconnect_us = TimeUs(e, CURLINFO_APPCONNECT_TIME_T);
  times.starttransfer_us = TimeUs(e, CURLINFO_STARTTRANSFER_TIME_T);
  times.total_us = TimeUs(e, CURLINFO_TOTAL_TIME_T);
  const char* scheme = nullptr;
  curl_easy_getinfo(e, CURLINFO_SCHEME, &scheme);
  times.tls_expected = scheme != nullptr && strcasecmp(scheme, "https") == 0;
  // A connection was used (a local port is known) but none was opened: it was reused.
  r.connection_reused =
      LongInfo(e, CURLINFO_NUM_CONNECTS) == 0 && LongInfo(e, CURLINFO_LOCAL_PORT) != 0;
  times.reused = r.connection_reused;
  times.ip_literal = probe_->compiled().ip_literal && LongInfo(e, CURLINFO_REDIRECT_COUNT) == 0;
  if (tls_hook_.tls_started > started_) {
    times.tls_started_us =
        std::chrono::duration_cast<std::chrono::microseconds>(tls_hook_.tls_started - started_)
            .count();
  }
  r.http_version = HttpVersionName(LongInfo(e, CURLINFO_HTTP_VERSION));
  if (tls_hook_.facts && tls_hook_.facts->handshake_done) {
    r.tls_version = tls_hook_.facts->version;
    r.tls_session_reused = tls_hook_.facts->session_reused;
    r.cert_not_after_unix = tls_hook_.facts->earliest_not_after_unix;
  }
  r.phases = MapPhases(times);
  r.total = std::chrono::microseconds(times.total_us);
  // A successful single-hop probe over a reused connection (HTTP or HTTPS), or over one fresh
  // plain-HTTP connection, is timed by latencyd's own clock readings at the socket calls
  // (phases.h, SocketStamps); anything else keeps libcurl's.
  const bool one_exchange = curl_code == CURLE_OK && LongInfo(e, CURLINFO_REDIRECT_COUNT) == 0;
  if (one_exchange && times.reused) {
    MapReusedStamps(stamps_, &r.phases, &r.total);
  } else if (one_exchange && !times.tls_expected) {
    const std::int64_t dns_us = probe_->compiled().ip_literal ? 0 : times.namelookup_us;
    MapStamps(stamps_, dns_us, &r.phases, &r.total);
  }

  TransferOutcome o;
  o.curl_code = curl_code;
  o.curl_detail = tls_hook_.error.empty() ? std::string_view(error_) : tls_hook_.error;
  o.body_too_large = body_too_large_;
  o.headers_too_large = headers_too_large_;
  o.redirect_refused = redirect_refused_;
  o.reading_response_head = !head_complete_ && LongInfo(e, CURLINFO_REQUEST_SIZE) > 0;
  o.http_status = r.http_status;
  o.status_expected = curl_code != CURLE_OK || StatusInRanges(spec.expect_status, r.http_status);
  std::string expected;
  if (!o.status_expected) expected = DescribeStatusRanges(spec.expect_status);
  o.expected_status = expected;
  o.body_matches = !o.status_expected || curl_code != CURLE_OK || probe_->BodyMatches(body_);
  o.max_body = spec.max_body;
  o.timeout_ms = timeout_ms_;
  o.max_redirects = spec.max_redirects;
  if (curl_code == CURLE_OPERATION_TIMEDOUT && answer_unread_) {
    // The target answered in time; the loop, too busy, read it too late (probes/README.md).
    r.skipped = SkipCause::kLoopBusy;
    r.reason = FailureReason::kOther;
    r.error = LoopBusyMessage();
    return r;
  }
  if (curl_code != CURLE_OK && OutOfDescriptors(e, curl_code)) {
    // The socket could not even be created: latencyd's fault, not the target's.
    r.skipped = SkipCause::kOutOfDescriptors;
    r.reason = FailureReason::kOther;
    r.error = OutOfDescriptorsMessage();
    return r;
  }
  o.http2_required = spec.http_version == HttpVersion::k2;
  o.http_version = r.http_version;
  ApplyClassification(o, r);
  return r;
}

ProbeResult Transfer::NotStarted(const std::string& why) {
  ProbeResult r;
  r.reason = FailureReason::kOther;
  r.error = why;
  r.started = std::chrono::steady_clock::now();
  r.finished_wall = std::chrono::system_clock::now();
  return r;
}

ProbeResult Transfer::Skipped(SkipCause cause, const std::string& why) {
  ProbeResult r = NotStarted(why);
  r.skipped = cause;
  return r;
}

}  // namespace latencyd::probes
