// Which probes latencyd's own plain-HTTP client takes (http1_target.h), and the bytes of the
// request it sends: what libcurl would send for the same spec.
#include "probes/http1_target.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <memory>
#include <string>

#include "probes/prepared_probe_internal.h"
#include "test/probes/probe_test_util.h"

namespace latencyd::probes {
namespace {

std::shared_ptr<const Http1Target> TargetOf(const ProbeSpec& spec) {
  return PreparedProbe(spec).compiled().http1;
}

TEST(Http1TargetTest, APlainGetToAnIpLiteral) {
  auto target = TargetOf(Spec("http://127.0.0.1:8080/health?full=1#fragment"));
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->request,
            "GET /health?full=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: latencyd/0.1\r\n"
            "Accept: */*\r\n\r\n");
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, 8080);
  const auto* address = reinterpret_cast<const sockaddr_in*>(&target->address);
  EXPECT_EQ(address->sin_family, AF_INET);
  EXPECT_EQ(ntohs(address->sin_port), 8080);
  EXPECT_EQ(target->address_length, sizeof(sockaddr_in));
}

TEST(Http1TargetTest, TheDefaultPortIsLeftOutOfHostAndIpv6KeepsItsBrackets) {
  auto v4 = TargetOf(Spec("http://10.0.0.1/"));
  ASSERT_NE(v4, nullptr);
  EXPECT_NE(v4->request.find("\r\nHost: 10.0.0.1\r\n"), std::string::npos) << v4->request;
  auto v6 = TargetOf(Spec("http://[::1]:9000"));
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->request.rfind("GET / HTTP/1.1\r\nHost: [::1]:9000\r\n", 0), 0u) << v6->request;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&v6->address)->sin6_family, AF_INET6);
}

TEST(Http1TargetTest, HeadersInOrderReplacingTheDefaultsTheyName) {
  ProbeSpec spec = Spec("http://127.0.0.1:81/");
  spec.headers = {{"Host", "api.example"},
                  {"X-Empty", ""},
                  {"Authorization", "Bearer t"},
                  {"Expect", ""},
                  {"user-agent", "mine"}};
  auto target = TargetOf(spec);
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->request,
            "GET / HTTP/1.1\r\nAccept: */*\r\nHost: api.example\r\nX-Empty:\r\n"
            "Authorization: Bearer t\r\nuser-agent: mine\r\n\r\n");
}

TEST(Http1TargetTest, ABodyGoesWithItsLengthAndLibcurlsDefaultType) {
  ProbeSpec post = Spec("http://127.0.0.1:81/submit");
  post.method = "POST";
  post.body = "a=1";
  auto target = TargetOf(post);
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->request,
            "POST /submit HTTP/1.1\r\nHost: 127.0.0.1:81\r\nUser-Agent: latencyd/0.1\r\n"
            "Accept: */*\r\nContent-Length: 3\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\na=1");
  post.headers = {{"Content-Type", "application/json"}};
  post.body = "{}";
  target = TargetOf(post);
  ASSERT_NE(target, nullptr);
  EXPECT_NE(target->request.find("Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
            std::string::npos)
      << target->request;
  EXPECT_EQ(target->request.find("x-www-form-urlencoded"), std::string::npos);

  ProbeSpec empty_post = Spec("http://127.0.0.1:81/");
  empty_post.method = "POST";
  EXPECT_NE(TargetOf(empty_post)->request.find("Content-Length: 0\r\n"), std::string::npos);
  ProbeSpec del = Spec("http://127.0.0.1:81/");
  del.method = "DELETE";
  EXPECT_EQ(TargetOf(del)->request.find("Content-Length"), std::string::npos);
}

TEST(Http1TargetTest, HeadSendsNoBodyAndExpectsNone) {
  ProbeSpec head = Spec("http://127.0.0.1:81/");
  head.method = "HEAD";
  head.body = "ignored";
  auto target = TargetOf(head);
  ASSERT_NE(target, nullptr);
  EXPECT_TRUE(target->head_request);
  EXPECT_EQ(target->request.find("ignored"), std::string::npos);
  EXPECT_EQ(target->request.find("Content-Length"), std::string::npos);
}

TEST(Http1TargetTest, WhatOnlyLibcurlDoesStaysWithLibcurl) {
  EXPECT_EQ(TargetOf(Spec("https://127.0.0.1:8443/")), nullptr);  // TLS
  EXPECT_EQ(TargetOf(Spec("http://localhost:8080/")), nullptr);   // a name to resolve
  EXPECT_EQ(TargetOf(Spec("http://user:pw@127.0.0.1/")), nullptr);
  EXPECT_EQ(TargetOf(Spec("http://:pw@127.0.0.1/")), nullptr);        // a password alone too
  EXPECT_EQ(TargetOf(Spec("http://[fe80::1%25eth0]:80/")), nullptr);  // an IPv6 zone
  EXPECT_EQ(TargetOf(Spec("ftp://127.0.0.1/")), nullptr);
  ProbeSpec keepalive = Spec("http://127.0.0.1/");
  keepalive.keepalive = true;
  EXPECT_EQ(TargetOf(keepalive), nullptr);
  ProbeSpec encoded = Spec("http://127.0.0.1/");
  encoded.headers = {{"Accept-Encoding", "gzip"}};  // libcurl decodes the body
  EXPECT_EQ(TargetOf(encoded), nullptr);
  ProbeSpec split = Spec("http://127.0.0.1/");
  split.headers = {{"X-A", "1\r\nX-Injected: 2"}};
  EXPECT_EQ(TargetOf(split), nullptr);
}

}  // namespace
}  // namespace latencyd::probes
