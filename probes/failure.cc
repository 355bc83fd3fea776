// ClassifyFailure: which CURLcode means which FailureReason (see probes/README.md).
#include "probes/failure.h"

#include <curl/curl.h>
#include <sys/resource.h>

#include <utility>

namespace latencyd::probes {
namespace {

FailureReason ReasonForCurlCode(int code) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_OK:
      return FailureReason::kNone;
    case CURLE_OPERATION_TIMEDOUT:
      return FailureReason::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FailureReason::kDns;
    case CURLE_COULDNT_CONNECT:
      return FailureReason::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return FailureReason::kTls;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return FailureReason::kReset;
    case CURLE_FILESIZE_EXCEEDED:
      return FailureReason::kTooLarge;
    default:
      return FailureReason::kOther;
  }
}

// A short prefix that names the failure in words operators search for.
std::string Headline(int code, const TransferOutcome& o) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout after " + std::to_string(o.timeout_ms) + " ms";
    case CURLE_TOO_MANY_REDIRECTS:
      return "too many redirects (redirect loop?), limit " + std::to_string(o.max_redirects);
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "unsupported protocol (only http and https are probed)";
    case CURLE_GOT_NOTHING:
      return "connection closed without a response";
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return "connection reset";
    case CURLE_PARTIAL_FILE:
      return "connection closed before the body was complete";
    default:
      return curl_easy_strerror(static_cast<CURLcode>(code));
  }
}

// libcurl's detail often ends with the code's own text ("Failed to connect to h port 1 after
// 0 ms: Couldn't connect to server"), which the headline already says.
std::string WithoutSuffix(std::string_view text, const std::string& suffix) {
  if (text.size() >= suffix.size() &&
      text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return std::string(text.substr(0, text.size() - suffix.size()));
  }
  return std::string(text);
}

}  // namespace

std::string DescribeStatusRanges(const std::vector<StatusRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.low);
    if (r.high != r.low) out += "-" + std::to_string(r.high);
  }
  return out;
}

void ApplyClassification(const TransferOutcome& outcome, ProbeResult& result) {
  Classification c = ClassifyFailure(outcome);
  result.reason = c.reason;
  result.ok = c.reason == FailureReason::kNone;
  result.error = std::move(c.error);
}

bool StatusInRanges(const std::vector<StatusRange>& ranges, int status) {
  for (const StatusRange& r : ranges) {
    if (status >= r.low && status <= r.high) return true;
  }
  return false;
}

std::string LoopBusyMessage() {
  return "skipped: timed out with the target's answer waiting unread since before the "
         "deadline; latencyd was too busy to read it (overloaded), not the target";
}

std::string OutOfDescriptorsMessage() {
  rlimit limit{};
  const std::string which = getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY
                                ? "RLIMIT_NOFILE"
                                : "RLIMIT_NOFILE " + std::to_string(limit.rlim_cur);
  return "skipped: out of file descriptors (" + which + ")";
}

Classification ClassifyFailure(const TransferOutcome& o) {
  // The callbacks abort with a write error; their flags say why.
  if (o.body_too_large) {
    return {FailureReason::kTooLarge,
            "response body larger than max_body (" + std::to_string(o.max_body) + " bytes)"};
  }
  if (o.headers_too_large) {
    return {FailureReason::kTooLarge,
            "response headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes"};
  }
  if (!o.redirect_refused.empty()) {
    return {FailureReason::kRedirect, std::string(o.redirect_refused)};
  }
  if (o.curl_code == CURLE_OUT_OF_MEMORY && o.reading_response_head) {
    return {FailureReason::kTooLarge, "response head line longer than libcurl's limit of " +
                                          std::to_string(CURL_MAX_HTTP_HEADER / 1024) +
                                          " KiB (status line or one header)"};
  }
  if (o.curl_code != CURLE_OK) {
    FailureReason reason = ReasonForCurlCode(o.curl_code);
    std::string error = Headline(o.curl_code, o);
    std::string detail = WithoutSuffix(o.curl_detail, ": " + error);
    if (!detail.empty() && detail != error) {
      error += ": ";
      error += detail;
    }
    return {reason, std::move(error)};
  }
  if (o.http2_required && o.http_version != "2") {
    return {FailureReason::kOther, "the server answered over HTTP/" + std::string(o.http_version) +
                                       ", not HTTP/2 (http_version: \"2\")"};
  }
  if (!o.status_expected) {
    std::string error = "unexpected HTTP status " + std::to_string(o.http_status);
    if (!o.expected_status.empty()) error += " (expected " + std::string(o.expected_status) + ")";
    return {FailureReason::kStatus, std::move(error)};
  }
  if (!o.body_matches) return {FailureReason::kBodyMismatch, "body does not match body_regex"};
  return {FailureReason::kNone, ""};
}

}  // namespace latencyd::probes
