// Phase mapping: the pure conversion of libcurl's cumulative timestamps into PhaseTimings
// that add up to the total (see probe.h and probes/README.md).
#pragma once

#include <cstdint>

#include "probes/probe.h"

namespace latencyd::probes {

// libcurl's CURLINFO_*_TIME_T values in microseconds: each is the time from the start of the
// request to the end of that step, 0 when the step was not reached (or, for appconnect, when
// there was no TLS). With redirects libcurl sums each value over the hops.
struct CurlTimes {
  std::int64_t namelookup_us = 0;
  std::int64_t connect_us = 0;
  std::int64_t appconnect_us = 0;
  std::int64_t starttransfer_us = 0;
  std::int64_t total_us = 0;
  bool tls_expected = false;  // the (last) URL is https: a missing appconnect means TLS failed
  bool reused = false;        // no new connection: dns, connect and tls are zero by definition
  bool ip_literal = false;    // no name to resolve: the resolver's bookkeeping goes to connect
  // When the TLS handshake began (the TCP connection was up), from our own hook; 0 when no
  // handshake began. libcurl reports connect_us only once TCP *and* TLS are done, so a failed
  // or timed-out handshake would otherwise be charged to `connect`.
  std::int64_t tls_started_us = 0;
};

// Pure and thread-safe. Each timestamp is clamped between the previous one and the total, so
// every phase is >= 0 and they add up to exactly total_us. When a step was not reached (a
// failure), the phase in progress takes the rest of the total and later phases are zero. A
// handshake that began but did not finish is charged to `tls`, `connect` keeps the TCP part.
PhaseTimings MapPhases(const CurlTimes& times);

// The instants latencyd reads itself from libcurl's callbacks, where the kernel work of a
// probe starts and ends: just before socket() (CURLOPT_OPENSOCKETFUNCTION), when libcurl has
// seen the connection writable and is about to send the request (CURLOPT_PREREQFUNCTION), and
// the first and last response bytes (header and body callbacks, right after the recv that
// brought them). libcurl's own timestamps also count its work before socket() and after the
// last byte (connection setup, closing the socket), which no raw client counts.
struct SocketStamps {
  SteadyTime socket{}, connected{}, first_byte{}, last_byte{};  // {}: not reached
  int sockets_opened = 0;
};

// Phases and total from `stamps` for a successful probe over one fresh plain-HTTP connection
// (`dns_us`: libcurl's name resolution before socket(), 0 for an IP literal): connect =
// socket() until writable, ttfb = request written until the first byte, transfer = first to
// last byte, total = their sum plus dns. False (and `out` untouched) when the stamps do not
// describe such a probe (a reused connection, a redirect, a missing or out-of-order stamp);
// the caller then keeps libcurl's timestamps. Pure and thread-safe.
bool MapStamps(const SocketStamps& stamps, std::int64_t dns_us, PhaseTimings* out, Duration* total);

// The same for a successful probe over a reused connection (no socket opened): ttfb = about
// to send the request until the first byte, transfer = first to last byte, total = their sum;
// dns, connect and tls are zero. A raw client on a kept-alive connection times the same span
// (write the request, read to the end). libcurl's total also counts its work before the
// request (connection-cache lookup, building the request), which is not the target's. False
// (and `out` untouched) when a socket was opened or a stamp is missing or out of order.
bool MapReusedStamps(const SocketStamps& stamps, PhaseTimings* out, Duration* total);

}  // namespace latencyd::probes
