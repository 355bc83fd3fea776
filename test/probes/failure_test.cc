// ClassifyFailure: the table from libcurl results and engine checks to reasons and messages.
#include "probes/failure.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace latencyd::probes {
namespace {

struct Row {
  CURLcode code;
  FailureReason reason;
  const char* message_part;
};

class CurlCodeTest : public ::testing::TestWithParam<Row> {};

TEST_P(CurlCodeTest, MapsToReason) {
  const Row& row = GetParam();
  TransferOutcome o;
  o.curl_code = row.code;
  o.curl_detail = "detail from libcurl";
  o.timeout_ms = 250;
  o.max_redirects = 5;
  Classification c = ClassifyFailure(o);
  EXPECT_EQ(ReasonName(c.reason), ReasonName(row.reason)) << curl_easy_strerror(row.code);
  EXPECT_NE(c.error.find(row.message_part), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("detail from libcurl"), std::string::npos) << c.error;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CurlCodeTest,
    ::testing::Values(
        Row{CURLE_OPERATION_TIMEDOUT, FailureReason::kTimeout, "timeout after 250 ms"},
        Row{CURLE_COULDNT_RESOLVE_HOST, FailureReason::kDns, "resolve"},
        Row{CURLE_COULDNT_RESOLVE_PROXY, FailureReason::kDns, "resolve"},
        Row{CURLE_COULDNT_CONNECT, FailureReason::kConnect, "onnect"},
        Row{CURLE_SSL_CONNECT_ERROR, FailureReason::kTls, "SSL"},
        Row{CURLE_PEER_FAILED_VERIFICATION, FailureReason::kTls, ""},
        Row{CURLE_SSL_CACERT_BADFILE, FailureReason::kTls, ""},
        Row{CURLE_SSL_CERTPROBLEM, FailureReason::kTls, ""},
        Row{CURLE_RECV_ERROR, FailureReason::kReset, "connection reset"},
        Row{CURLE_SEND_ERROR, FailureReason::kReset, "connection reset"},
        Row{CURLE_GOT_NOTHING, FailureReason::kReset, "without a response"},
        Row{CURLE_PARTIAL_FILE, FailureReason::kReset, "before the body was complete"},
        Row{CURLE_HTTP2_STREAM, FailureReason::kReset, ""},
        Row{CURLE_FILESIZE_EXCEEDED, FailureReason::kTooLarge, ""},
        Row{CURLE_TOO_MANY_REDIRECTS, FailureReason::kOther, "too many redirects (redirect loop?)"},
        Row{CURLE_UNSUPPORTED_PROTOCOL, FailureReason::kOther, "unsupported protocol"},
        Row{CURLE_URL_MALFORMAT, FailureReason::kOther, "URL"},
        Row{CURLE_WEIRD_SERVER_REPLY, FailureReason::kOther, ""},
        Row{CURLE_BAD_CONTENT_ENCODING, FailureReason::kOther, ""},
        Row{CURLE_WRITE_ERROR, FailureReason::kOther, ""}));

TEST(ClassifyFailureTest, SuccessIsNone) {
  Classification c = ClassifyFailure(TransferOutcome{});
  EXPECT_EQ(c.reason, FailureReason::kNone);
  EXPECT_TRUE(c.error.empty());
}

TEST(ClassifyFailureTest, CallbackFlagsExplainWriteErrors) {
  TransferOutcome o;
  o.curl_code = CURLE_WRITE_ERROR;
  o.body_too_large = true;
  o.max_body = 1024;
  Classification body = ClassifyFailure(o);
  EXPECT_EQ(body.reason, FailureReason::kTooLarge);
  EXPECT_EQ(body.error, "response body larger than max_body (1024 bytes)");
  o.body_too_large = false;
  o.headers_too_large = true;
  Classification headers = ClassifyFailure(o);
  EXPECT_EQ(headers.reason, FailureReason::kTooLarge);
  EXPECT_EQ(headers.error, "response headers larger than 65536 bytes");
}

TEST(ClassifyFailureTest, OutOfMemoryInTheResponseHeadIsTooLarge) {
  TransferOutcome o;
  o.curl_code = CURLE_OUT_OF_MEMORY;
  o.reading_response_head = true;
  Classification head = ClassifyFailure(o);
  EXPECT_EQ(head.reason, FailureReason::kTooLarge);
  EXPECT_EQ(
      head.error,
      "response head line longer than libcurl's limit of 100 KiB (status line or one header)");
  o.reading_response_head = false;  // elsewhere it is a real allocation failure
  Classification elsewhere = ClassifyFailure(o);
  EXPECT_EQ(elsewhere.reason, FailureReason::kOther);
  EXPECT_EQ(elsewhere.error, "Out of memory");
}

TEST(ClassifyFailureTest, StatusBeatsBodyAndTransportBeatsBoth) {
  TransferOutcome o;
  o.http_status = 503;
  o.status_expected = false;
  o.expected_status = "200-399";
  o.body_matches = false;
  Classification status = ClassifyFailure(o);
  EXPECT_EQ(status.reason, FailureReason::kStatus);
  EXPECT_EQ(status.error, "unexpected HTTP status 503 (expected 200-399)");
  o.curl_code = CURLE_RECV_ERROR;
  EXPECT_EQ(ClassifyFailure(o).reason, FailureReason::kReset);
  o.curl_code = CURLE_OK;
  o.status_expected = true;
  Classification body = ClassifyFailure(o);
  EXPECT_EQ(body.reason, FailureReason::kBodyMismatch);
  EXPECT_EQ(body.error, "body does not match body_regex");
}

// libcurl 7.88's detail ends with the code's own text; said once, not twice.
TEST(ClassifyFailureTest, CurlTextIsNotRepeated) {
  TransferOutcome o;
  o.curl_code = CURLE_COULDNT_CONNECT;
  o.curl_detail = "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server";
  EXPECT_EQ(ClassifyFailure(o).error,
            "Couldn't connect to server: Failed to connect to 127.0.0.1 port 1 after 0 ms");
}

TEST(ClassifyFailureTest, DescribeStatusRanges) {
  EXPECT_EQ(DescribeStatusRanges({{200, 399}}), "200-399");
  EXPECT_EQ(DescribeStatusRanges({{200, 299}, {404, 404}}), "200-299, 404");
  EXPECT_EQ(DescribeStatusRanges({}), "");
}

}  // namespace
}  // namespace latencyd::probes

namespace latencyd::probes {
namespace {

TEST(ClassifyFailureTest, Http2RequiredButNotSpokenIsOtherAfterTransportBeforeStatus) {
  TransferOutcome o;
  o.http2_required = true;
  o.http_version = "1.1";
  o.status_expected = false;  // a wrong protocol explains more than its status
  o.http_status = 503;
  Classification c = ClassifyFailure(o);
  EXPECT_EQ(c.reason, FailureReason::kOther);
  EXPECT_EQ(c.error, "the server answered over HTTP/1.1, not HTTP/2 (http_version: \"2\")");
  o.http_version = "2";
  EXPECT_EQ(ClassifyFailure(o).reason, FailureReason::kStatus);
  o.curl_code = CURLE_OPERATION_TIMEDOUT;  // no response at all: the transport failure wins
  o.http_version = "";
  EXPECT_EQ(ClassifyFailure(o).reason, FailureReason::kTimeout);
}

}  // namespace
}  // namespace latencyd::probes
