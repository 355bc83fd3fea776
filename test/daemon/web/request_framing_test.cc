#include "daemon/web/request_framing.h"

#include <gtest/gtest.h>

#include <string>

namespace latencyd {
namespace {

const std::string kPost = "POST /-/reload HTTP/1.1\r\nHost: h\r\n";

TEST(CheckRequestHeadTest, Table) {
  struct Case {
    std::string head;
    int status;
    BodyFraming framing;
  };
  const Case cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", 0, BodyFraming::kNone},
      {"GET /metrics HTTP/1.0\r\n\r\n", 0, BodyFraming::kNone},
      {kPost + "Content-Length: 0\r\n\r\n", 0, BodyFraming::kNone},
      {kPost + "content-length: 12\r\n\r\n", 0, BodyFraming::kContentLength},
      {kPost + "Transfer-Encoding: Chunked\r\n\r\n", 0, BodyFraming::kChunked},
      {kPost + "X-Tab:\tvalue\t\r\n\r\n", 0, BodyFraming::kNone},
      {kPost + "Content-Length: 65537\r\n\r\n", 413, BodyFraming::kNone},
      {kPost + "Content-Length: 99999999999999999999\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Content-Length: +5\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       BodyFraming::kNone},
      {kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, BodyFraming::kNone},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "Transfer-Encoding : chunked\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "X: 1\r\n\tTransfer-Encoding: chunked\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + ": empty name\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "No colon\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "X: a\rb\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + "X: a\nb\r\n\r\n", 400, BodyFraming::kNone},
      {kPost + std::string("X: a\x7f\r\n\r\n"), 400, BodyFraming::kNone},
      {"GET  /metrics HTTP/1.1\r\n\r\n", 400, BodyFraming::kNone},
      {"GET /me trics HTTP/1.1\r\n\r\n", 400, BodyFraming::kNone},
      {"GET /metrics\r\n\r\n", 400, BodyFraming::kNone},
      {"GET /metrics HTTP/2.0\r\n\r\n", 505, BodyFraming::kNone},
      {"G(T /metrics HTTP/1.1\r\n\r\n", 400, BodyFraming::kNone},
      {"GET /metrics HTTP/1.1\r\n\r", 400, BodyFraming::kNone},
  };
  for (const auto& c : cases) {
    HeadCheck check = CheckRequestHead(c.head, RequestSizeLimits{});
    EXPECT_EQ(check.status, c.status) << c.head << " -> " << check.reason;
    if (c.status == 0) {
      EXPECT_EQ(check.framing, c.framing) << c.head;
    }
  }
}

TEST(CheckRequestHeadTest, BoundsFieldCountAndSize) {
  RequestSizeLimits limits;
  limits.max_header_fields = 3;
  limits.max_head_bytes = 100;
  EXPECT_EQ(CheckRequestHead(kPost + "A: 1\r\nB: 2\r\n\r\n", limits).status, 0);
  EXPECT_EQ(CheckRequestHead(kPost + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).status, 431);
  EXPECT_EQ(CheckRequestHead(kPost + "A: " + std::string(100, 'x') + "\r\n\r\n", limits).status,
            431);
}

TEST(CheckRequestHeadTest, ExpectContinueOnlyWithABody) {
  EXPECT_TRUE(CheckRequestHead(kPost + "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n", {})
                  .expect_continue);
  EXPECT_FALSE(CheckRequestHead(kPost + "Expect: 100-continue\r\n\r\n", {}).expect_continue);
}

TEST(StripRangeFieldsTest, RemovesOnlyRangeFieldsFromTheHead) {
  std::string request =
      "GET /metrics HTTP/1.1\r\nHost: h\r\nrange: bytes=0-3,5-17\r\nX-Range: 1\r\n\r\n"
      "Range: body";
  EXPECT_TRUE(CheckRequestHead(request.substr(0, request.size() - 11), {}).has_range);
  EXPECT_EQ(StripRangeFields(request),
            "GET /metrics HTTP/1.1\r\nHost: h\r\nX-Range: 1\r\n\r\nRange: body");
}

ChunkedBodyDecoder::State Decode(const std::string& body, std::size_t* consumed,
                                 RequestSizeLimits limits = {}) {
  ChunkedBodyDecoder decoder(limits);
  return decoder.Feed(body, consumed);
}

TEST(ChunkedBodyDecoderTest, Table) {
  using State = ChunkedBodyDecoder::State;
  const std::pair<std::string, State> cases[] = {
      {"3\r\nabc\r\n0\r\n\r\n", State::kComplete},
      {"3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", State::kComplete},
      {"3\r\nabc\r\n", State::kIncomplete},
      {"zz\r\n", State::kInvalid},
      {"-3\r\n", State::kInvalid},
      {"0x3\r\n", State::kInvalid},
      {" 3\r\n", State::kInvalid},
      {"3 \r\n", State::kInvalid},
      {"\r\n", State::kInvalid},
      {"3\nabc\r\n", State::kInvalid},
      {"3\r\nabcd\r\n", State::kInvalid},
      {"3\r\nabc\r\r", State::kInvalid},
      {"00000000000000001\r\n", State::kInvalid},
      {"ffffffffffffffff\r\n", State::kTooLarge},
      {"10001\r\n", State::kTooLarge},
      {"0\r\nBad trailer\r\n\r\n", State::kInvalid},
  };
  for (const auto& [body, state] : cases) {
    std::size_t consumed = 0;
    EXPECT_EQ(Decode(body, &consumed), state) << body;
  }
}

TEST(ChunkedBodyDecoderTest, StopsAtTheEndOfTheBodyAndBoundsTheDecodedSize) {
  std::size_t consumed = 0;
  std::string body = "3\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(Decode(body + "GET / HTTP/1.1\r\n", &consumed), ChunkedBodyDecoder::State::kComplete);
  EXPECT_EQ(consumed, body.size());

  RequestSizeLimits limits;
  limits.max_body_bytes = 5;
  EXPECT_EQ(Decode("3\r\nabc\r\n3\r\nabc\r\n0\r\n\r\n", &consumed, limits),
            ChunkedBodyDecoder::State::kTooLarge);
}

TEST(ChunkedBodyDecoderTest, AcceptsTheBodyByteByByte) {
  ChunkedBodyDecoder decoder(RequestSizeLimits{});
  std::string body = "4\r\nwiki\r\n0\r\n\r\n";
  ChunkedBodyDecoder::State state = ChunkedBodyDecoder::State::kIncomplete;
  for (char c : body) {
    std::size_t consumed = 0;
    state = decoder.Feed(std::string(1, c), &consumed);
    EXPECT_EQ(consumed, 1u);
  }
  EXPECT_EQ(state, ChunkedBodyDecoder::State::kComplete);
}

}  // namespace
}  // namespace latencyd
