// ToProbeSpec: credentials become the Authorization header the server checks.
#include "daemon/schedule/probe_spec_builder.h"

#include <gtest/gtest.h>

namespace latencyd {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

config::Endpoint WithHeader() {
  config::Endpoint endpoint;
  endpoint.url = "http://127.0.0.1/";
  endpoint.headers = {{"Accept", "application/json"}};
  return endpoint;
}

TEST(ProbeSpecBuilderTest, BearerTokenFollowsTheConfiguredHeaders) {
  config::Endpoint endpoint = WithHeader();
  endpoint.credentials.bearer_token_file = "/run/credentials/latencyd.service/token";
  endpoint.credentials.bearer_token = "tok";
  EXPECT_EQ(ToProbeSpec(endpoint).headers,
            (Headers{{"Accept", "application/json"}, {"Authorization", "Bearer tok"}}));
}

TEST(ProbeSpecBuilderTest, BasicAuthIsBase64OfUserColonPassword) {
  config::Endpoint endpoint = WithHeader();
  endpoint.credentials.basic_auth = true;
  const std::pair<std::string, std::string> cases[] = {
      {"Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},  // RFC 7617
      {"a:b", "YTpi"},
      {"ab:c", "YWI6Yw=="},
      {"abc:d", "YWJjOmQ="}};
  for (const auto& [pair, encoded] : cases) {
    auto colon = pair.find(':');
    endpoint.credentials.username = pair.substr(0, colon);
    endpoint.credentials.password = pair.substr(colon + 1);
    EXPECT_EQ(ToProbeSpec(endpoint).headers.back().second, "Basic " + encoded) << pair;
  }
}

TEST(ProbeSpecBuilderTest, NoCredentialsNoAuthorization) {
  EXPECT_EQ(ToProbeSpec(WithHeader()).headers, (Headers{{"Accept", "application/json"}}));
}

}  // namespace
}  // namespace latencyd
