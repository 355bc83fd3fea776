// `latencyd probe URL` with ad-hoc flags, as the built binary: the request they shape, what
// the config would reject, TLS trust flags, and the output when every probe fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "test/integration/daemon_process.h"
#include "test/support/capture_server.h"
#include "test/support/fixture_server.h"
#include "test/support/raw_server.h"

namespace latencyd {
namespace {

using testing::CaptureServer;
using testing::CommandResult;
using testing::RunLatencyd;

std::string Path(const std::string& request) {
  auto start = request.find(' ') + 1;
  return request.substr(start, request.find(' ', start) - start);
}

TEST(ProbeCommandTest, AdHocFlagsShapeTheRequest) {
  CaptureServer server([](const std::string& r) { return Path(r) == "/teapot" ? 418 : 200; });
  CommandResult result =
      RunLatencyd({"probe", server.Url("/teapot"), "--count=1", "--method=PUT", "--body=hello",
                   "--header=X-One: 1", "--header", "X-Two: two", "--expect-status=418"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  ASSERT_EQ(server.RequestCount(), 1u);
  std::string request = server.Requests().front();
  EXPECT_EQ(request.rfind("PUT /teapot HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nX-One: 1\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nX-Two: two\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\n\r\nhello"), std::string::npos) << request;
  // The daemon's default timeout, not a command-line one of its own.
  EXPECT_NE(result.out.find("timeout 1.00s"), std::string::npos) << result.out;
}

TEST(ProbeCommandTest, RejectsWhatTheConfigRejects) {
  CommandResult schemeless = RunLatencyd({"probe", "127.0.0.1:8080/x"});
  EXPECT_EQ(schemeless.exit_code, 2);
  EXPECT_NE(schemeless.err.find("invalid URL \"127.0.0.1:8080/x\""), std::string::npos)
      << schemeless.err;
  EXPECT_EQ(RunLatencyd({"probe", "http://127.0.0.1:1/", "--method=FETCH"}).exit_code, 2);
  EXPECT_EQ(RunLatencyd({"probe", "http://127.0.0.1:1/", "--expect-status=6xx"}).exit_code, 2);
  EXPECT_EQ(RunLatencyd({"probe", "http://127.0.0.1:1/", "--header=Bad Name: x"}).exit_code, 2);
  EXPECT_EQ(RunLatencyd({"probe", "--endpoint=x"}).exit_code, 2);  // needs --config.file
}

TEST(ProbeCommandTest, WhenEveryProbeFailsItPrintsTheFailuresNotAnEmptyTable) {
  CommandResult result =
      RunLatencyd({"probe", "http://127.0.0.1:" + std::to_string(testing::ClosedPort()) + "/",
                   "--count=3", "--interval=1ms"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out.find("p50"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("no probe succeeded:\n  connect: Couldn't connect to server: "),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("(x3)\n3 probes: 0 ok, 3 failed\n"), std::string::npos) << result.out;
  // libcurl's text is said once per line, not "...: Couldn't connect to server" again.
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find("Couldn't connect");
    if (first != std::string::npos) {
      EXPECT_EQ(line.find("Couldn't connect", first + 1), std::string::npos) << line;
    }
  }
}

TEST(ProbeCommandTest, CaFileAndInsecureDecideTrust) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("latencyd_probe_tls_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  {
    testing::FixtureServer::Options options;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    testing::FixtureServer server(options);
    std::string url = server.Url("/delay/0");
    CommandResult untrusted = RunLatencyd({"probe", url, "--count=1"});
    EXPECT_EQ(untrusted.exit_code, 1);
    EXPECT_NE(untrusted.out.find("FAILED tls"), std::string::npos) << untrusted.out;
    CommandResult trusted = RunLatencyd({"probe", url, "--count=1", "--ca-file=" + cert});
    EXPECT_EQ(trusted.exit_code, 0) << trusted.out << trusted.err;
    CommandResult insecure = RunLatencyd({"probe", url, "--count=1", "--insecure"});
    EXPECT_EQ(insecure.exit_code, 0) << insecure.out << insecure.err;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace latencyd
