// The value semantics of the config model: equality and SameProbeSettings.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Endpoint Base() {
  Endpoint ep;
  ep.name = "main_root";
  ep.url = "http://127.0.0.1:8000/";
  ep.class_name = "core";
  ep.interval = seconds(1);
  ep.timeout = seconds(1);
  ep.window = std::chrono::minutes(5);
  ep.quantiles = {0.5, 0.9};
  ep.max_body = 1024;
  ep.max_redirects = 5;
  return ep;
}

struct Change {
  const char* what;
  std::function<void(Endpoint&)> apply;
};

TEST(SameProbeSettingsTest, ChangesThatAlterProbingAreDetected) {
  const Change changes[] = {
      {"url", [](Endpoint& e) { e.url += "x"; }},
      {"method", [](Endpoint& e) { e.method = "HEAD"; }},
      {"headers", [](Endpoint& e) { e.headers.emplace_back("Accept", "*/*"); }},
      {"header order",
       [](Endpoint& e) {
         e.headers = {{"A", "1"}, {"B", "2"}};
       }},
      {"body", [](Endpoint& e) { e.body = "{}"; }},
      {"expect.status",
       [](Endpoint& e) {
         e.expect.status = {{200, 200}};
       }},
      {"expect.body_regex", [](Endpoint& e) { e.expect.body_regex = "ok"; }},
      {"interval", [](Endpoint& e) { e.interval = seconds(2); }},
      {"timeout", [](Endpoint& e) { e.timeout = milliseconds(500); }},
      {"keepalive", [](Endpoint& e) { e.keepalive = true; }},
      {"max_body", [](Endpoint& e) { e.max_body = 2048; }},
      {"max_redirects", [](Endpoint& e) { e.max_redirects = 0; }},
      {"tls.insecure_skip_verify", [](Endpoint& e) { e.tls.insecure_skip_verify = true; }},
      {"tls.ca_file", [](Endpoint& e) { e.tls.ca_file = "ca.pem"; }},
      {"tls.cert_file", [](Endpoint& e) { e.tls.cert_file = "c.pem"; }},
      {"tls.key_file", [](Endpoint& e) { e.tls.key_file = "k.pem"; }},
      {"tls.server_name", [](Endpoint& e) { e.tls.server_name = "h"; }},
  };
  Endpoint base = Base();
  base.headers = {{"B", "2"}, {"A", "1"}};
  for (const Change& change : changes) {
    Endpoint changed = base;
    change.apply(changed);
    EXPECT_FALSE(base.SameProbeSettings(changed)) << change.what;
    EXPECT_FALSE(changed.SameProbeSettings(base)) << change.what;
  }
}

TEST(SameProbeSettingsTest, JudgingAndExportSettingsKeepTheWindow) {
  const Change changes[] = {
      {"name", [](Endpoint& e) { e.name = "renamed"; }},
      {"class", [](Endpoint& e) { e.class_name = "async"; }},
      {"window", [](Endpoint& e) { e.window = seconds(30); }},
      {"quantiles", [](Endpoint& e) { e.quantiles = {0.5}; }},
      {"labels", [](Endpoint& e) { e.labels["team"] = "api"; }},
      {"line", [](Endpoint& e) { e.line = 40; }},
  };
  Endpoint base = Base();
  EXPECT_TRUE(base.SameProbeSettings(base));
  for (const Change& change : changes) {
    Endpoint changed = base;
    change.apply(changed);
    EXPECT_TRUE(base.SameProbeSettings(changed)) << change.what;
  }
}

TEST(EqualityTest, ComparesEveryField) {
  EXPECT_EQ(TlsConfig{}, TlsConfig{});
  TlsConfig tls;
  tls.server_name = "x";
  EXPECT_FALSE(tls == TlsConfig{});
  EXPECT_EQ(Expect{}, Expect{});
  EXPECT_EQ(Expect{}.status, (std::vector<StatusRange>{{200, 399}}));
  Expect expect;
  expect.body_regex = "ok";
  EXPECT_FALSE(expect == Expect{});
  EXPECT_FALSE((StatusRange{200, 204}) == (StatusRange{200, 299}));
}

}  // namespace
}  // namespace latencyd::config
