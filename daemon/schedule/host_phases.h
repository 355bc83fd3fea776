// Phase offsets that keep probes to the same host:port apart: endpoints sharing a target
// (host, port and interval) are spread evenly over their interval, so a single-worker service
// never sees two of latencyd's probes queue behind each other. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/clock.h"

namespace latencyd {

// "host:port" of an http(s) URL, lower-cased, with the scheme's default port filled in; the
// whole URL when it cannot be parsed (such an endpoint then shares a group with nobody).
std::string HostKey(std::string_view url);

struct PhaseRequest {
  std::string name;
  std::string host_key;  // HostKey(url)
  Duration interval{};
  // The offset a kept endpoint already probes at (a reload must not move it); nullopt: new.
  std::optional<Duration> kept;
};

// One offset in [0, interval) per request, in the same order. Within a group of the same
// host_key and interval: kept endpoints keep their offsets; when the group has none, the new
// ones are spread evenly (in name order) from the name-hash offset of the first, so a lone
// endpoint keeps PhaseOffset(name); otherwise each new one goes into the middle of the
// largest gap left between the group's offsets.
std::vector<Duration> AssignPhaseOffsets(const std::vector<PhaseRequest>& requests);

}  // namespace latencyd
