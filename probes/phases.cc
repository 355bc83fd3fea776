// MapPhases: cumulative libcurl timestamps to consecutive, non-negative phase durations.
#include "probes/phases.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace latencyd::probes {

PhaseTimings MapPhases(const CurlTimes& t) {
  const std::int64_t total = std::max<std::int64_t>(t.total_us, 0);
  // The end of dns, connect, tls and ttfb; < 0 marks a step that is skipped (zero length),
  // 0 a step that was not reached.
  std::int64_t marks[4] = {t.namelookup_us, t.connect_us, t.appconnect_us, t.starttransfer_us};
  if (!t.tls_expected && marks[2] == 0) marks[2] = -1;
  if (t.ip_literal) marks[0] = -1;
  if (t.tls_expected && marks[1] == 0 && marks[2] == 0 && t.tls_started_us > 0) {
    marks[1] = t.tls_started_us;  // TCP was connected; the handshake is what failed
  }
  if (t.reused) marks[0] = marks[1] = marks[2] = -1;

  std::int64_t durations[5] = {0, 0, 0, 0, 0};
  std::int64_t previous = 0;
  bool finished = true;
  for (int i = 0; i < 4; ++i) {
    if (marks[i] < 0) continue;
    if (marks[i] == 0) {  // this step was in progress when the transfer ended
      durations[i] = total - previous;
      previous = total;
      finished = false;
      break;
    }
    const std::int64_t end = std::clamp(marks[i], previous, total);
    durations[i] = end - previous;
    previous = end;
  }
  if (finished) durations[4] = total - previous;

  auto us = [](std::int64_t v) { return std::chrono::microseconds(v); };
  PhaseTimings p;
  p.dns = us(durations[0]);
  p.connect = us(durations[1]);
  p.tls = us(durations[2]);
  p.ttfb = us(durations[3]);
  p.transfer = us(durations[4]);
  return p;
}

bool MapStamps(const SocketStamps& s, std::int64_t dns_us, PhaseTimings* out, Duration* total) {
  const SteadyTime unset{};
  if (s.sockets_opened != 1 || s.socket == unset || s.connected == unset || s.first_byte == unset ||
      s.last_byte == unset) {
    return false;
  }
  if (!(s.socket <= s.connected && s.connected <= s.first_byte && s.first_byte <= s.last_byte)) {
    return false;
  }
  PhaseTimings p;
  p.dns = std::chrono::microseconds(std::max<std::int64_t>(dns_us, 0));
  p.connect = s.connected - s.socket;
  p.ttfb = s.first_byte - s.connected;
  p.transfer = s.last_byte - s.first_byte;
  *out = p;
  *total = p.dns + p.connect + p.tls + p.ttfb + p.transfer;  // exact sum, as MapPhases
  return true;
}

bool MapReusedStamps(const SocketStamps& s, PhaseTimings* out, Duration* total) {
  const SteadyTime unset{};
  if (s.sockets_opened != 0 || s.connected == unset || s.first_byte == unset ||
      s.last_byte == unset) {
    return false;
  }
  if (!(s.connected <= s.first_byte && s.first_byte <= s.last_byte)) return false;
  PhaseTimings p;
  p.ttfb = s.first_byte - s.connected;
  p.transfer = s.last_byte - s.first_byte;
  *out = p;
  *total = p.ttfb + p.transfer;
  return true;
}

}  // namespace latencyd::probes
