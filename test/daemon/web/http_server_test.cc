#include "daemon/web/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "test/support/raw_client.h"

namespace latencyd {
namespace {

TEST(SplitListenAddressTest, Table) {
  struct Case {
    std::string address;
    bool ok;
    std::string host;
    int port;
  };
  const Case cases[] = {
      {"127.0.0.1:9470", true, "127.0.0.1", 9470},
      {":9470", true, "::", 9470},
      {"[::1]:80", true, "::1", 80},
      {"localhost:0", true, "localhost", 0},
      {"9470", false, "", 0},
      {"host:", false, "", 0},
      {"host:70000", false, "", 0},
      {"host:12a", false, "", 0},
  };
  for (const auto& c : cases) {
    std::string host;
    int port = -1;
    EXPECT_EQ(SplitListenAddress(c.address, &host, &port), c.ok) << c.address;
    if (c.ok) {
      EXPECT_EQ(host, c.host) << c.address;
      EXPECT_EQ(port, c.port) << c.address;
    }
  }
}

// Sends `request` as is (keeping the connection open, as curl does) and returns the status
// line of the answer.
std::string RawRequest(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n;
         answer.find("\r\n") == std::string::npos && (n = read(fd, buffer, sizeof(buffer))) > 0;) {
      answer.append(buffer, n);
    }
  }
  close(fd);
  return answer.substr(0, answer.find("\r\n"));
}

// A body handed over as `pieces`, one per call.
BodyPieces PiecesOf(std::vector<std::string> pieces) {
  auto state =
      std::make_shared<std::pair<std::vector<std::string>, std::size_t>>(std::move(pieces), 0);
  return [state]() -> std::string_view {
    if (state->second == state->first.size()) return {};
    return state->first[state->second++];
  };
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpHandlers Handlers() {
    HttpHandlers handlers;
    handlers.metrics = [] { return PiecesOf({"latencyd_up", " 1\n"}); };
    handlers.status_page = [](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, "<html>status</html>"});
    };
    handlers.endpoints_json = [](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, "{\"endpoints\":[]}"});
    };
    handlers.healthy = [this] { return healthy_.load(); };
    handlers.ready = [this] { return ready_.load(); };
    handlers.reload = [this]() -> std::optional<std::string> {
      ++reloads_;
      if (reload_fails_) return std::string("latencyd.yml:3:5: endpoints: bad");
      return std::nullopt;
    };
    return handlers;
  }
  std::atomic<bool> healthy_{true};
  std::atomic<bool> ready_{false};
  std::atomic<bool> reload_fails_{false};
  std::atomic<int> reloads_{0};
};

TEST_F(HttpServerTest, ServesEveryRoute) {
  HttpServer server("127.0.0.1:0", Handlers());
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "latencyd_up 1\n");
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  EXPECT_EQ(client.Get("/")->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(client.Get("/api/v1/endpoints")->body, "{\"endpoints\":[]}");
  EXPECT_EQ(client.Get("/-/healthy")->status, 200);
  healthy_ = false;
  EXPECT_EQ(client.Get("/-/healthy")->status, 503);
  EXPECT_EQ(client.Get("/-/ready")->status, 503);
  ready_ = true;
  EXPECT_EQ(client.Get("/-/ready")->status, 200);
}

// A scrape of 10,000 endpoints is hundreds of ms of CPU; on a busy machine it must wait for
// the probe loops, not they for it. The thread that renders runs 10 nice levels lower.
TEST_F(HttpServerTest, RequestsAreServedBelowTheProcessPriority) {
  std::atomic<int> serving_nice{-100};
  HttpHandlers handlers = Handlers();
  handlers.metrics = [&serving_nice] {
    serving_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
    return PiecesOf({"latencyd_up 1\n"});
  };
  HttpServer server("127.0.0.1:0", std::move(handlers));
  httplib::Client client("127.0.0.1", server.port());
  ASSERT_TRUE(client.Get("/metrics"));
  const int own_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  EXPECT_EQ(serving_nice.load(), std::min(own_nice + 10, 19));
}

// Found by the HTTP fuzz target: cpp-httplib 0.11 does not clamp ranges against the length of
// a content provider's body, so a range past the end of /metrics read and sent the memory
// after it. Range is ignored: every answer is whole.
TEST_F(HttpServerTest, RangesAreIgnoredSoNoneCanReadPastTheBody) {
  HttpServer server("127.0.0.1:0", Handlers());
  for (const char* range : {"bytes=0-3,5-17", "bytes=5-4000", "bytes=0-3"}) {
    testing::RawConnection connection(server.port());
    ASSERT_TRUE(connection.Send("GET /metrics HTTP/1.1\r\nHost: h\r\nRange: " + std::string(range) +
                                "\r\nConnection: close\r\n\r\n"));
    std::string answer = connection.ReadUntilClosed(std::chrono::milliseconds(5000));
    EXPECT_EQ(answer.substr(0, 15), "HTTP/1.1 200 OK") << range << "\n" << answer;
    // The whole body, in the chunks the handler produced it in.
    EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4),
              "b\r\nlatencyd_up\r\n3\r\n 1\n\r\n0\r\n\r\n")
        << range;
  }
}

TEST_F(HttpServerTest, ReloadNeedsTheLifecycleFlag) {
  HttpServer server("127.0.0.1:0", Handlers());
  httplib::Client client("127.0.0.1", server.port());
  auto refused = client.Post("/-/reload");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("--web.enable-lifecycle"), std::string::npos) << refused->body;
  EXPECT_EQ(reloads_, 0);
}

TEST_F(HttpServerTest, ReloadOnlyByPostAndReportsErrors) {
  HttpServerOptions options;
  options.enable_lifecycle = true;
  HttpServer server("127.0.0.1:0", Handlers(), {}, options);
  httplib::Client client("127.0.0.1", server.port());
  auto get = client.Get("/-/reload");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  EXPECT_EQ(client.Put("/-/reload", "", "text/plain")->status, 405);
  EXPECT_EQ(client.Delete("/-/reload")->status, 405);
  EXPECT_EQ(reloads_, 0);

  EXPECT_EQ(client.Post("/-/reload")->status, 200);
  // Without a body or Content-Length, byte for byte as `curl -X POST` sends it.
  EXPECT_EQ(
      RawRequest(server.port(), "POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n")
          .substr(0, 15),
      "HTTP/1.1 200 OK");
  reload_fails_ = true;
  auto failed = client.Post("/-/reload");
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("latencyd.yml:3:5: endpoints: bad"), std::string::npos);
  EXPECT_EQ(reloads_, 3);
}

TEST_F(HttpServerTest, IdleKeepAliveClientsDoNotStarveScrapes) {
  HttpServer server("127.0.0.1:0", Handlers());
  // Twenty clients that made one request each and keep their connections open.
  std::vector<std::unique_ptr<httplib::Client>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<httplib::Client>("127.0.0.1", server.port()));
    idle.back()->set_keep_alive(true);
    ASSERT_TRUE(idle.back()->Get("/-/healthy"));
  }
  httplib::Client scraper("127.0.0.1", server.port());
  auto started = std::chrono::steady_clock::now();
  auto metrics = scraper.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  // The idle connections are released within the 1 s keep-alive bound, not 5 s.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
}

TEST_F(HttpServerTest, AllInterfacesMeansIPv4AndIPv6) {
  HttpServer server(":0", Handlers());
  httplib::Client v4("127.0.0.1", server.port());
  auto four = v4.Get("/-/healthy");
  ASSERT_TRUE(four);
  EXPECT_EQ(four->status, 200);
  httplib::Client v6("::1", server.port());
  auto six = v6.Get("/-/healthy");
  if (!six) GTEST_SKIP() << "no IPv6 loopback on this machine";
  EXPECT_EQ(six->status, 200);
}

TEST_F(HttpServerTest, RefusesABusyPortWithAClearError) {
  HttpServer first("127.0.0.1:0", Handlers());
  try {
    HttpServer second("127.0.0.1:" + std::to_string(first.port()), Handlers());
    FAIL() << "binding a busy port must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:"), std::string::npos);
  }
  EXPECT_THROW(HttpServer("nonsense", Handlers()), std::runtime_error);
}

}  // namespace
}  // namespace latencyd
