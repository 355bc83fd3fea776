// Http1Response on responses as good and bad servers send them. Every response is fed whole,
// byte by byte, and split in two at every position, and must parse the same each way: a TCP
// read can end anywhere.
#include "probes/http1_response.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace latencyd::probes {
namespace {

using Outcome = Http1Response::Outcome;

struct Parsed {
  Outcome outcome = Outcome::kNeedMore;
  int status = 0;
  std::string version;
  std::uint64_t body_bytes = 0;
  std::string body;
  std::string location;
  std::string error;

  bool operator==(const Parsed& o) const {
    return outcome == o.outcome && status == o.status && version == o.version &&
           body_bytes == o.body_bytes && body == o.body && location == o.location &&
           error == o.error;
  }
};

void PrintTo(const Parsed& p, std::ostream* os) {
  *os << "{outcome " << static_cast<int>(p.outcome) << ", status " << p.status << ", version \""
      << p.version << "\", body_bytes " << p.body_bytes << ", body \"" << p.body
      << "\", location \"" << p.location << "\", error \"" << p.error << "\"}";
}

Parsed Snapshot(const Http1Response& response) {
  return {response.outcome(), response.status(),   response.version(), response.body_bytes(),
          response.body(),    response.location(), response.error()};
}

// Feeds `pieces` in order, then the close when `then_close`.
Parsed Parse(const std::vector<std::string>& pieces, bool then_close,
             Http1Response::Limits limits) {
  Http1Response response(limits);
  for (const std::string& piece : pieces) response.Feed(piece);
  if (then_close) response.FeedEnd();
  return Snapshot(response);
}

Http1Response::Limits KeepBody() {
  Http1Response::Limits limits;
  limits.keep_body = true;
  return limits;
}

// Parses `wire` whole, and checks that every other way of cutting it parses the same.
Parsed ParseEveryWay(const std::string& wire, bool then_close = false,
                     Http1Response::Limits limits = KeepBody()) {
  const Parsed whole = Parse({wire}, then_close, limits);
  std::vector<std::string> bytes;
  for (char c : wire) bytes.emplace_back(1, c);
  EXPECT_EQ(Parse(bytes, then_close, limits), whole) << "byte by byte: " << wire;
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    EXPECT_EQ(Parse({wire.substr(0, cut), wire.substr(cut)}, then_close, limits), whole)
        << "cut at " << cut << ": " << wire;
  }
  return whole;
}

TEST(Http1ResponseTest, ContentLengthBody) {
  const Parsed p = ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.version, "1.1");
  EXPECT_EQ(p.body, "hello");
  EXPECT_EQ(p.body_bytes, 5u);
}

TEST(Http1ResponseTest, BytesAfterTheResponseAreIgnored) {
  const Parsed p = ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "hi");
}

TEST(Http1ResponseTest, ChunkedBodyWithExtensionsAndTrailers) {
  const Parsed p = ParseEveryWay(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\nA\r\n, chunked!\r\n0\r\nX-Trailer: yes\r\n\r\n");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "hello, chunked!");
  EXPECT_EQ(p.body_bytes, 15u);
}

TEST(Http1ResponseTest, TransferEncodingOverridesContentLength) {
  const Parsed p = ParseEveryWay(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nok\r\n0\r\n\r\n");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "ok");
}

TEST(Http1ResponseTest, NoLengthMeansTheBodyEndsWithTheConnection) {
  const std::string wire = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the close";
  EXPECT_EQ(ParseEveryWay(wire).outcome, Outcome::kNeedMore);
  const Parsed closed = ParseEveryWay(wire, /*then_close=*/true);
  EXPECT_EQ(closed.outcome, Outcome::kComplete);
  EXPECT_EQ(closed.version, "1.0");
  EXPECT_EQ(closed.body, "until the close");
}

TEST(Http1ResponseTest, ANonChunkedTransferCodingReadsUntilTheClose) {
  const Parsed p = ParseEveryWay(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 1\r\n\r\nabc",
      /*then_close=*/true);
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "abc");
}

TEST(Http1ResponseTest, HeadAnd204And304HaveNoBody) {
  Http1Response::Limits head = KeepBody();
  head.head_request = true;
  const Parsed to_head =
      ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", false, head);
  EXPECT_EQ(to_head.outcome, Outcome::kComplete);
  EXPECT_EQ(to_head.body_bytes, 0u);
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    const Parsed p =
        ParseEveryWay(std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 10\r\n\r\n");
    EXPECT_EQ(p.outcome, Outcome::kComplete) << status;
    EXPECT_EQ(p.body_bytes, 0u) << status;
  }
}

TEST(Http1ResponseTest, InterimResponsesAreSkipped) {
  const Parsed p = ParseEveryWay(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLocation: /not-this\r\n\r\n"
      "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.status, 302);
  EXPECT_EQ(p.location, "/next");
}

TEST(Http1ResponseTest, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
  const Parsed p = ParseEveryWay(
      "HTTP/1.1 301 Moved\r\nlOcAtIoN: \t http://x/y \t\r\ncontent-length:   3  \r\n\r\nabc");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.location, "http://x/y");
  EXPECT_EQ(p.body, "abc");
}

TEST(Http1ResponseTest, BareLineFeedsAndLeadingEmptyLinesAreAccepted) {
  const Parsed p = ParseEveryWay("\r\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "ok");
}

TEST(Http1ResponseTest, RepeatedEqualContentLengthsAreOneLength) {
  const Parsed p =
      ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body, "ok");
}

TEST(Http1ResponseTest, LyingOrBrokenServersAreRefusedWithAReason) {
  const struct {
    const char* wire;
    const char* error;
  } cases[] = {
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line: \"SSH-2.0-OpenSSH_9.2\""},
      {"HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line: \"HTTP/2 200\""},
      {"HTTP/1.1 20 OK\r\n\r\n", "not an HTTP/1.x status line: \"HTTP/1.1 20 OK\""},
      {"HTTP/1.1 099 Low\r\n\r\n", "not an HTTP/1.x status line: \"HTTP/1.1 099 Low\""},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
       "conflicting Content-Length values"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok", "conflicting Content-Length values"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length: \"-1\""},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
       "invalid Content-Length: \"99999999999999999999\""},
      {"HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n",
       "folded header line (obsolete line folding)"},
      {"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nSpace before : colon\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "invalid chunk size line"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
       "invalid chunk size line"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n",
       "chunk data longer than its declared size"},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
       "101 Switching Protocols to a request that asked for none"},
  };
  for (const auto& c : cases) {
    const Parsed p = ParseEveryWay(c.wire);
    EXPECT_EQ(p.outcome, Outcome::kMalformed) << c.wire;
    EXPECT_EQ(p.error, c.error) << c.wire;
  }
}

TEST(Http1ResponseTest, AnEndlessChunkSizeLineIsRefusedAtItsBound) {
  Http1Response response(KeepBody());
  ASSERT_EQ(response.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Outcome::kNeedMore);
  const std::string junk(1024, 'a');
  Outcome outcome = Outcome::kNeedMore;
  int fed = 0;
  for (; fed < 100 && outcome == Outcome::kNeedMore; ++fed) outcome = response.Feed(junk);
  EXPECT_EQ(outcome, Outcome::kMalformed);
  EXPECT_EQ(response.error(), "chunk size line too long");
  EXPECT_LE(fed, 5);  // refused within a few KiB, not after everything the server sent
}

TEST(Http1ResponseTest, HeadsOverTheLimitAreRefusedTheirInterimOnesIncluded) {
  Http1Response::Limits limits;
  limits.max_head_bytes = 100;
  const std::string padding(60, 'x');
  const Parsed one =
      ParseEveryWay("HTTP/1.1 200 OK\r\nX-Pad: " + padding + padding + "\r\n\r\n", false, limits);
  EXPECT_EQ(one.outcome, Outcome::kHeadTooLarge);
  EXPECT_EQ(one.error, "response headers larger than 100 bytes");
  // Each head fits alone; together they do not.
  const std::string interim = "HTTP/1.1 100 Continue\r\nX-Pad: " + padding + "\r\n\r\n";
  const Parsed many =
      ParseEveryWay(interim + "HTTP/1.1 200 OK\r\nX-Pad: " + padding + "\r\n\r\n", false, limits);
  EXPECT_EQ(many.outcome, Outcome::kHeadTooLarge);
  // Trailers count too.
  const Parsed trailers = ParseEveryWay(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Pad: " + padding + "\r\n\r\n",
      false, limits);
  EXPECT_EQ(trailers.outcome, Outcome::kHeadTooLarge);
}

TEST(Http1ResponseTest, BodiesOverTheLimitAreRefusedHoweverFramed) {
  Http1Response::Limits limits = KeepBody();
  limits.max_body = 4;
  const std::string framings[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\nhello",
  };
  for (const std::string& wire : framings) {
    const Parsed p = ParseEveryWay(wire, /*then_close=*/true, limits);
    EXPECT_EQ(p.outcome, Outcome::kBodyTooLarge) << wire;
    EXPECT_EQ(p.error, "response body larger than 4 bytes") << wire;
    EXPECT_LE(p.body.size(), 4u) << wire;  // nothing kept beyond the limit
  }
  const Parsed at_limit =
      ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhell", false, limits);
  EXPECT_EQ(at_limit.outcome, Outcome::kComplete);
}

TEST(Http1ResponseTest, AResponseCutShortSaysWhere) {
  EXPECT_EQ(ParseEveryWay("", true).error, "connection closed before any response");
  EXPECT_EQ(ParseEveryWay("HTTP/1.1 200 OK\r\nContent-", true).error,
            "connection closed within the response head");
  const Parsed body = ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true);
  EXPECT_EQ(body.outcome, Outcome::kMalformed);
  EXPECT_EQ(body.error, "connection closed after 4 body bytes, before the body ended");
  EXPECT_EQ(ParseEveryWay("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", true)
                .outcome,
            Outcome::kMalformed);
}

TEST(Http1ResponseTest, TheBodyIsCountedButNotKeptUnlessAsked) {
  const Parsed p = ParseEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", false,
                                 Http1Response::Limits{});
  EXPECT_EQ(p.outcome, Outcome::kComplete);
  EXPECT_EQ(p.body_bytes, 3u);
  EXPECT_EQ(p.body, "");
}

}  // namespace
}  // namespace latencyd::probes
