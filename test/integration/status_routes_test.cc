// The status page and JSON routes of the real binary: filters by query parameter, a bad
// filter is a 400, URLs are shown redacted, and both carry the 24 h history.
#include <gtest/gtest.h>
#include <httplib.h>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/fixture_server.h"

namespace latencyd {
namespace {

using testing::DaemonProcess;
using testing::WaitFor;

TEST(StatusRoutesTest, FiltersRedactsAndRejectsUnknownStates) {
  testing::FixtureServer server;
  DaemonProcess daemon(
      "defaults: { interval: 50ms, timeout: 50ms }\n"
      "endpoints:\n"
      "  - { name: up, url: \"" +
      server.Url("/delay/100?api_key=s3cret") +
      "\", class: core }\n"
      "  - { name: down, url: \"http://user:pa55@127.0.0.1:1/\", class: async }\n");
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  httplib::Client client("127.0.0.1", daemon.port());
  ASSERT_TRUE(WaitFor([&] {
    auto failing = client.Get("/api/v1/endpoints?state=failing");
    return failing && failing->body.find("\"name\":\"down\"") != std::string::npos;
  }));

  auto json = client.Get("/api/v1/endpoints?class=core");
  ASSERT_TRUE(json);
  EXPECT_EQ(json->status, 200);
  EXPECT_NE(json->body.find("\"name\":\"up\""), std::string::npos);
  EXPECT_EQ(json->body.find("\"name\":\"down\""), std::string::npos);
  EXPECT_NE(json->body.find("/delay/100?api_key=xxxxx"), std::string::npos);
  EXPECT_NE(json->body.find("\"history\":[["), std::string::npos);
  EXPECT_EQ(client.Get("/api/v1/endpoints?history=false")->body.find("\"history\""),
            std::string::npos);

  auto page = client.Get("/?state=failing");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<div class=\"name\">down</div>"), std::string::npos);
  // Only failing rows ("up" too if a probe of it just timed out on a loaded machine).
  std::size_t rows = 0, failing = 0;
  for (std::size_t at = page->body.find("<tr class=\""); at != std::string::npos;
       at = page->body.find("<tr class=\"", at + 1)) {
    ++rows;
    failing += page->body.compare(at, 20, "<tr class=\"failing\">") == 0;
  }
  EXPECT_GE(rows, 1u);
  EXPECT_EQ(failing, rows);
  EXPECT_NE(page->body.find("http://user:xxxxx@127.0.0.1:1/"), std::string::npos);
  for (const auto* text : {"s3cret", "pa55"}) {
    EXPECT_EQ(page->body.find(text), std::string::npos) << text;
    EXPECT_EQ(client.Get("/api/v1/endpoints")->body.find(text), std::string::npos) << text;
  }

  for (const char* bad : {"/api/v1/endpoints?state=sad", "/?state=sad", "/?page=0"}) {
    auto reply = client.Get(bad);
    ASSERT_TRUE(reply) << bad;
    EXPECT_EQ(reply->status, 400) << bad;
  }
  EXPECT_NE(client.Get("/?state=sad")->body.find("unknown state \"sad\""), std::string::npos);
}

}  // namespace
}  // namespace latencyd
