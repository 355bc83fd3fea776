// Names of failure reasons and phases: the `reason` and `phase` label values of the README's
// "Metrics" section, kept next to the enums; and what the spec says of its headers.
#include "probes/probe.h"

#include <strings.h>

namespace latencyd::probes {

bool HasHeader(const ProbeSpec& spec, std::string_view name) {
  for (const auto& header : spec.headers) {
    if (header.first.size() == name.size() &&
        strncasecmp(header.first.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

std::string_view ReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kNone:
      return "";
    case FailureReason::kTimeout:
      return "timeout";
    case FailureReason::kDns:
      return "dns";
    case FailureReason::kConnect:
      return "connect";
    case FailureReason::kTls:
      return "tls";
    case FailureReason::kStatus:
      return "status";
    case FailureReason::kBodyMismatch:
      return "body_mismatch";
    case FailureReason::kTooLarge:
      return "too_large";
    case FailureReason::kReset:
      return "reset";
    case FailureReason::kRedirect:
      return "redirect";
    case FailureReason::kOther:
      return "other";
  }
  return "other";
}

const std::vector<FailureReason>& AllFailureReasons() {
  static const std::vector<FailureReason> kAll = {
      FailureReason::kTimeout,  FailureReason::kDns,    FailureReason::kConnect,
      FailureReason::kTls,      FailureReason::kStatus, FailureReason::kBodyMismatch,
      FailureReason::kTooLarge, FailureReason::kReset,  FailureReason::kRedirect,
      FailureReason::kOther,
  };
  return kAll;
}

std::string_view PhaseName(int phase_index) {
  static constexpr std::string_view kNames[kPhaseCount] = {"dns", "connect", "tls", "ttfb",
                                                           "transfer"};
  if (phase_index < 0 || phase_index >= kPhaseCount) return "";
  return kNames[phase_index];
}

Duration PhaseAt(const PhaseTimings& phases, int phase_index) {
  switch (phase_index) {
    case 0:
      return phases.dns;
    case 1:
      return phases.connect;
    case 2:
      return phases.tls;
    case 3:
      return phases.ttfb;
    case 4:
      return phases.transfer;
    default:
      return Duration::zero();
  }
}

}  // namespace latencyd::probes
