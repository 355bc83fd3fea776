// MapPhases: libcurl's cumulative timestamps to phases that add up to the total.
#include "probes/phases.h"

#include <gtest/gtest.h>

namespace latencyd::probes {
namespace {

using std::chrono::microseconds;

struct Row {
  const char* name;
  CurlTimes in;
  std::int64_t dns, connect, tls, ttfb, transfer;  // microseconds
};

class MapPhasesTest : public ::testing::TestWithParam<Row> {};

TEST_P(MapPhasesTest, Maps) {
  const Row& row = GetParam();
  PhaseTimings p = MapPhases(row.in);
  EXPECT_EQ(p.dns, microseconds(row.dns));
  EXPECT_EQ(p.connect, microseconds(row.connect));
  EXPECT_EQ(p.tls, microseconds(row.tls));
  EXPECT_EQ(p.ttfb, microseconds(row.ttfb));
  EXPECT_EQ(p.transfer, microseconds(row.transfer));
  EXPECT_EQ(p.dns + p.connect + p.tls + p.ttfb + p.transfer, microseconds(row.in.total_us));
}

// CurlTimes: namelookup, connect, appconnect, starttransfer, total, tls, reused, ip_literal,
// tls_started.
INSTANTIATE_TEST_SUITE_P(
    Table, MapPhasesTest,
    ::testing::Values(
        Row{"plain_http", {10, 30, 0, 100, 120, false, false, false}, 10, 20, 0, 70, 20},
        Row{"https", {10, 30, 80, 100, 120, true, false, false}, 10, 20, 50, 20, 20},
        Row{"ip_literal", {3, 30, 0, 100, 120, false, false, true}, 0, 30, 0, 70, 20},
        Row{"reused", {2, 3, 4, 100, 120, true, true, false}, 0, 0, 0, 100, 20},
        Row{"connect_refused", {10, 0, 0, 0, 15, false, false, false}, 10, 5, 0, 0, 0},
        Row{"dns_failed", {0, 0, 0, 0, 40, false, false, false}, 40, 0, 0, 0, 0},
        Row{"tls_failed", {10, 30, 0, 0, 90, true, false, false}, 10, 20, 60, 0, 0},
        // What libcurl really reports for a failed handshake: no connect time at all; the
        // hook saw TCP up at 30 us, so the handshake's 60 us go to tls.
        Row{"tls_failed_as_reported", {10, 0, 0, 0, 90, true, false, false, 30}, 10, 20, 60, 0, 0},
        Row{"tls_timeout_ip_literal", {0, 0, 0, 0, 1000, true, false, true, 40}, 0, 40, 960, 0, 0},
        Row{"tcp_connect_timeout", {10, 0, 0, 0, 1000, true, false, false, 0}, 10, 990, 0, 0, 0},
        Row{"tls_started_late_clamped", {10, 0, 0, 0, 90, true, false, false, 95}, 10, 80, 0, 0, 0},
        Row{"tls_start_ignored_when_done",
            {10, 30, 80, 100, 120, true, false, false, 25},
            10,
            20,
            50,
            20,
            20},
        Row{"plain_http_ignores_tls_start",
            {10, 0, 0, 0, 90, false, false, false, 30},
            10,
            80,
            0,
            0,
            0},
        Row{"timeout_waiting", {10, 30, 0, 0, 1000, false, false, false}, 10, 20, 0, 970, 0},
        Row{"reused_timeout", {1, 1, 0, 0, 500, false, true, false}, 0, 0, 0, 500, 0},
        Row{"out_of_order", {50, 40, 0, 30, 45, false, false, false}, 45, 0, 0, 0, 0},
        Row{"all_zero", {0, 0, 0, 0, 0, false, false, false}, 0, 0, 0, 0, 0}),
    [](const auto& row) { return std::string(row.param.name); });

// MapStamps: latencyd's own clock readings at the socket calls to phases and total.
namespace stamps {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

SocketStamps FreshProbe() {
  const SteadyTime t0{std::chrono::seconds(100)};
  SocketStamps s;
  s.socket = t0;
  s.connected = t0 + nanoseconds(61'500);
  s.first_byte = s.connected + nanoseconds(110'250);
  s.last_byte = s.first_byte + nanoseconds(4'000);
  s.sockets_opened = 1;
  return s;
}

TEST(MapStampsTest, PhasesRunFromSocketToLastByteAndAddUpToTheTotal) {
  PhaseTimings p;
  Duration total{};
  ASSERT_TRUE(MapStamps(FreshProbe(), /*dns_us=*/0, &p, &total));
  EXPECT_EQ(p.dns, Duration::zero());
  EXPECT_EQ(p.connect, nanoseconds(61'500));  // socket() until libcurl saw it writable
  EXPECT_EQ(p.tls, Duration::zero());
  EXPECT_EQ(p.ttfb, nanoseconds(110'250));  // request written until the first byte
  EXPECT_EQ(p.transfer, nanoseconds(4'000));
  EXPECT_EQ(total, nanoseconds(175'750));  // sub-microsecond: not libcurl's whole µs
}

TEST(MapStampsTest, NameResolutionBeforeTheSocketIsAddedInFront) {
  PhaseTimings p;
  Duration total{};
  ASSERT_TRUE(MapStamps(FreshProbe(), /*dns_us=*/300, &p, &total));
  EXPECT_EQ(p.dns, microseconds(300));
  EXPECT_EQ(total, microseconds(300) + nanoseconds(175'750));
}

TEST(MapReusedStampsTest, AReusedConnectionRunsFromTheRequestToTheLastByte) {
  SocketStamps reused = FreshProbe();
  reused.sockets_opened = 0;
  reused.socket = SteadyTime{};
  PhaseTimings p;
  Duration total{};
  ASSERT_TRUE(MapReusedStamps(reused, &p, &total));
  EXPECT_EQ(p.dns, Duration::zero());
  EXPECT_EQ(p.connect, Duration::zero());
  EXPECT_EQ(p.tls, Duration::zero());
  EXPECT_EQ(p.ttfb, nanoseconds(110'250));
  EXPECT_EQ(p.transfer, nanoseconds(4'000));
  EXPECT_EQ(total, nanoseconds(114'250));
}

TEST(MapReusedStampsTest, DeclinesAFreshConnectionOrMissingStamps) {
  PhaseTimings p;
  p.ttfb = microseconds(7);
  Duration total = microseconds(9);
  EXPECT_FALSE(MapReusedStamps(FreshProbe(), &p, &total)) << "a socket was opened";
  SocketStamps no_request = FreshProbe();
  no_request.sockets_opened = 0;
  no_request.connected = SteadyTime{};
  EXPECT_FALSE(MapReusedStamps(no_request, &p, &total));
  SocketStamps backwards = FreshProbe();
  backwards.sockets_opened = 0;
  backwards.last_byte = backwards.first_byte - nanoseconds(1);
  EXPECT_FALSE(MapReusedStamps(backwards, &p, &total));
  EXPECT_EQ(p.ttfb, microseconds(7));  // untouched
  EXPECT_EQ(total, microseconds(9));
}

TEST(MapStampsTest, DeclinesWhatIsNotOneFreshConnection) {
  PhaseTimings p;
  p.connect = microseconds(7);
  Duration total = microseconds(9);
  SocketStamps two = FreshProbe();
  two.sockets_opened = 2;  // a redirect hop or a second address tried
  EXPECT_FALSE(MapStamps(two, 0, &p, &total));
  SocketStamps reused = FreshProbe();
  reused.sockets_opened = 0;
  reused.socket = SteadyTime{};
  EXPECT_FALSE(MapStamps(reused, 0, &p, &total));
  SocketStamps no_body = FreshProbe();
  no_body.first_byte = no_body.last_byte = SteadyTime{};  // failed before any byte came
  EXPECT_FALSE(MapStamps(no_body, 0, &p, &total));
  SocketStamps backwards = FreshProbe();
  backwards.connected = backwards.socket - nanoseconds(1);
  EXPECT_FALSE(MapStamps(backwards, 0, &p, &total));
  EXPECT_EQ(p.connect, microseconds(7));  // untouched
  EXPECT_EQ(total, microseconds(9));
}

}  // namespace stamps

}  // namespace
}  // namespace latencyd::probes
