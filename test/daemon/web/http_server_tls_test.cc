// The daemon's HTTP server over TLS: served through the same connection loop, so a client
// that never finishes its handshake is dropped at the request deadline like a slow one.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "daemon/web/http_server.h"
#include "test/support/raw_client.h"

namespace latencyd {
namespace {

namespace fs = std::filesystem;

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    dir_ = fs::temp_directory_path() / ("latencyd_web_tls_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    security_.cert_file = (dir_ / "cert.pem").string();
    security_.key_file = (dir_ / "key.pem").string();
    std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
        security_.key_file + " -out " + security_.cert_file + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  HttpHandlers Handlers() {
    HttpHandlers handlers;
    handlers.metrics = [] {
      auto done = std::make_shared<bool>(false);
      return latencyd::BodyPieces([done]() -> std::string_view {
        if (*done) return {};
        *done = true;
        return "latencyd_up 1\n";
      });
    };
    handlers.status_page = [](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, "<html></html>"});
    };
    handlers.endpoints_json = [](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, "{}"});
    };
    handlers.healthy = [] { return true; };
    handlers.ready = [] { return true; };
    handlers.reload = []() -> std::optional<std::string> { return std::nullopt; };
    return handlers;
  }

  fs::path dir_;
  WebSecurity security_;
};

TEST_F(HttpServerTlsTest, ServesOverTlsAndDropsAClientThatNeverHandshakes) {
  HttpServerOptions options;
  options.connection.request_timeout = std::chrono::milliseconds(1000);
  HttpServer server("127.0.0.1:0", Handlers(), security_, options);

  testing::RawConnection silent(server.port());  // TCP only, no ClientHello
  ASSERT_TRUE(silent.connected());
  auto start = std::chrono::steady_clock::now();

  httplib::SSLClient client("127.0.0.1", server.port());
  client.enable_server_certificate_verification(false);
  for (int i = 0; i < 3; ++i) {  // kept alive: one handshake, three requests
    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->body, "latencyd_up 1\n");
  }

  EXPECT_TRUE(silent.WaitForClose(std::chrono::milliseconds(10000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

}  // namespace
}  // namespace latencyd
