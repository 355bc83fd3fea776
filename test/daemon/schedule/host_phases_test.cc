#include "daemon/schedule/host_phases.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "daemon/schedule/schedule_math.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

PhaseRequest Request(std::string name, std::string url, Duration interval = seconds(1),
                     std::optional<Duration> kept = std::nullopt) {
  return {std::move(name), HostKey(url), interval, kept};
}

// The smallest distance between two offsets on the circle of `interval`.
Duration MinSpacing(std::vector<Duration> offsets, Duration interval) {
  std::sort(offsets.begin(), offsets.end());
  Duration best = interval;
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const Duration next = i + 1 < offsets.size() ? offsets[i + 1] : offsets[0] + interval;
    best = std::min(best, next - offsets[i]);
  }
  return best;
}

TEST(HostKeyTest, HostAndPortWithTheSchemeDefault) {
  EXPECT_EQ(HostKey("http://127.0.0.1:8000/plone/info"), "127.0.0.1:8000");
  EXPECT_EQ(HostKey("http://API.example.com/x?y"), "api.example.com:80");
  EXPECT_EQ(HostKey("https://api.example.com"), "api.example.com:443");
  EXPECT_EQ(HostKey("HTTPS://user:pw@api.example.com:8443/#f"), "api.example.com:8443");
  EXPECT_EQ(HostKey("http://[::1]/"), "[::1]:80");
  EXPECT_EQ(HostKey("http://[::1]:9000/"), "[::1]:9000");
  EXPECT_EQ(HostKey("not a url"), "not a url");
}

TEST(AssignPhaseOffsetsTest, ALoneEndpointKeepsItsNameHashPhase) {
  const auto offsets = AssignPhaseOffsets({Request("main_root", "http://a:1/")});
  EXPECT_EQ(offsets[0], PhaseOffset("main_root", seconds(1)));
}

TEST(AssignPhaseOffsetsTest, EndpointsOfOneHostAreSpreadEvenly) {
  std::vector<PhaseRequest> requests;
  for (const char* name : {"d", "b", "a", "c"}) requests.push_back(Request(name, "http://h:1/"));
  requests.push_back(Request("other", "http://other:1/"));
  const auto offsets = AssignPhaseOffsets(requests);
  EXPECT_EQ(MinSpacing({offsets.begin(), offsets.begin() + 4}, seconds(1)), milliseconds(250));
  EXPECT_EQ(offsets[2], PhaseOffset("a", seconds(1))) << "spread from the first name's phase";
  EXPECT_EQ(offsets[4], PhaseOffset("other", seconds(1))) << "another host is its own group";
}

TEST(AssignPhaseOffsetsTest, NameHashesAloneCanCollideOnOneHost) {
  // The finding this spreading fixes: among 40 endpoints of one host, the name hashes put
  // some within a millisecond of each other.
  std::vector<Duration> hashed;
  std::vector<PhaseRequest> requests;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "route_" + std::to_string(i);
    hashed.push_back(PhaseOffset(name, seconds(1)));
    requests.push_back(Request(name, "http://app:8000/" + name));
  }
  EXPECT_LT(MinSpacing(hashed, seconds(1)), milliseconds(5));
  EXPECT_EQ(MinSpacing(AssignPhaseOffsets(requests), seconds(1)), milliseconds(25));
}

TEST(AssignPhaseOffsetsTest, KeptEndpointsStayAndNewOnesFillTheLargestGap) {
  const auto offsets = AssignPhaseOffsets({
      Request("a", "http://h:1/", seconds(1), milliseconds(100)),
      Request("b", "http://h:1/", seconds(1), milliseconds(300)),
      Request("new1", "http://h:1/"),
      Request("new2", "http://h:1/"),
  });
  EXPECT_EQ(offsets[0], milliseconds(100));
  EXPECT_EQ(offsets[1], milliseconds(300));
  // The largest gap is 300 -> 1100 (800 ms): new1 at its middle (700), then the largest are
  // 300 -> 700 and 700 -> 1100 (400 ms each): new2 at 500.
  EXPECT_EQ(offsets[2], milliseconds(700));
  EXPECT_EQ(offsets[3], milliseconds(500));
}

TEST(AssignPhaseOffsetsTest, DifferentIntervalsAreDifferentGroups) {
  const auto offsets = AssignPhaseOffsets(
      {Request("a", "http://h:1/", seconds(1)), Request("b", "http://h:1/", seconds(2))});
  EXPECT_EQ(offsets[0], PhaseOffset("a", seconds(1)));
  EXPECT_EQ(offsets[1], PhaseOffset("b", seconds(2)));
}

}  // namespace
}  // namespace latencyd
