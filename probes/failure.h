// Failure classification: the pure mapping from what a transfer ended with (libcurl's result
// code and the engine's own checks) to a FailureReason and a human-readable error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probes/probe.h"

namespace latencyd::probes {

// What a finished transfer reports. `curl_code` is a CURLcode, kept as int so that this header
// stays free of libcurl types.
struct TransferOutcome {
  int curl_code = 0;
  std::string_view curl_detail;    // libcurl's error buffer; may be empty
  bool body_too_large = false;     // the write callback stopped the transfer at max_body
  bool headers_too_large = false;  // the header callback stopped it at kMaxHeaderBytes
  // The request was sent and the (final) response head had not ended: libcurl reports a head
  // line over its own limit (CURL_MAX_HTTP_HEADER) as CURLE_OUT_OF_MEMORY, which this tells
  // apart from a real allocation failure.
  bool reading_response_head = false;
  std::string_view redirect_refused;  // why the redirect policy stopped the transfer, if it did
  int http_status = 0;
  bool status_expected = true;       // http_status is within ProbeSpec::expect_status
  std::string_view expected_status;  // DescribeStatusRanges(expect_status), for the message
  bool body_matches = true;          // body_regex found (or none configured)
  std::uint64_t max_body = 0;
  long timeout_ms = 0;
  int max_redirects = 0;
  bool http2_required = false;    // http_version "2": a response over anything else fails
  std::string_view http_version;  // of the response, as in ProbeResult::http_version
};

struct Classification {
  FailureReason reason = FailureReason::kNone;
  std::string error;  // empty when reason is kNone
};

// Total response header bytes (all redirect hops together) accepted before failing.
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

// Pure and thread-safe. Transport failures take precedence over the engine's checks, and the
// status check over the body check (a 500 page that lacks the regex is a status failure).
Classification ClassifyFailure(const TransferOutcome& outcome);

// Classifies `outcome` (ClassifyFailure) into `result`'s reason, ok flag and error.
void ApplyClassification(const TransferOutcome& outcome, ProbeResult& result);

// "200-399" or "200-299, 404".
std::string DescribeStatusRanges(const std::vector<StatusRange>& ranges);

// Whether `status` lies in one of `ranges` (ProbeSpec::expect_status).
bool StatusInRanges(const std::vector<StatusRange>& ranges, int status);

// The errors of the two skips both clients detect at a probe's end (SkipCause).
std::string LoopBusyMessage();
std::string OutOfDescriptorsMessage();  // names the process's RLIMIT_NOFILE

}  // namespace latencyd::probes
