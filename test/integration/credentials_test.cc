// Credentials from files against the real latencyd binary: every key authenticates at a
// loopback server that checks it, a rotated token is picked up by a reload that keeps the
// window, no secret reaches any output surface, and `latencyd probe --endpoint` sends the
// daemon's request byte for byte.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/capture_server.h"

namespace latencyd {
namespace {

using testing::CaptureServer;
using testing::CommandResult;
using testing::DaemonProcess;
using testing::MetricValue;
using testing::RunLatencyd;
using testing::WaitFor;

// A directory of secret files (0600, like an operator's), removed at the end.
class SecretDir {
 public:
  SecretDir() {
    char pattern[] = "/tmp/latencyd-secrets-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~SecretDir() { std::filesystem::remove_all(path_); }
  // Writes `content` to `name` by rename, as a rotation would; returns the absolute path.
  std::string Write(const std::string& name, const std::string& content) const {
    std::string target = path_ + "/" + name;
    {
      std::ofstream out(target + ".tmp");
      out << content;
    }
    std::filesystem::permissions(
        target + ".tmp", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::filesystem::rename(target + ".tmp", target);
    return target;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Path(const std::string& request) {
  auto start = request.find(' ') + 1;
  return request.substr(start, request.find(' ', start) - start);
}

std::optional<double> Metric(const DaemonProcess& daemon, const std::string& name,
                             const std::map<std::string, std::string>& labels) {
  std::optional<std::string> metrics = daemon.Get("/metrics");
  if (!metrics) return std::nullopt;
  return MetricValue(*metrics, name, labels);
}

bool Succeeds(const DaemonProcess& daemon, const std::string& endpoint) {
  return Metric(daemon, "latencyd_probe_success", {{"endpoint", endpoint}}).value_or(0) == 1;
}

TEST(CredentialsTest, EveryKindOfCredentialAuthenticates) {
  SecretDir secrets;
  SecretDir credentials_directory;  // what systemd's LoadCredential= provides
  std::string bearer = secrets.Write("bearer", "tok-bearer-1\n");
  std::string password = secrets.Write("password", "pw-basic-1\n");
  std::string api_key = secrets.Write("api_key", "key-header-1\n");
  std::string defaults_token = secrets.Write("defaults", "tok-default-1");
  credentials_directory.Write("token", "tok-cred-1\n");
  const std::map<std::string, std::string> expected = {
      {"/bearer", "Authorization: Bearer tok-bearer-1"},
      {"/basic", "Authorization: Basic YWxpY2U6cHctYmFzaWMtMQ=="},  // alice:pw-basic-1
      {"/header", "X-Api-Key: key-header-1"},
      {"/credential", "Authorization: Bearer tok-cred-1"},
      {"/inherited", "Authorization: Bearer tok-default-1"}};
  CaptureServer server([&expected](const std::string& request) {
    auto want = expected.find(Path(request));
    bool ok = want != expected.end() && request.find(want->second + "\r\n") != std::string::npos;
    return ok ? 200 : 401;
  });
  DaemonProcess daemon(
      "defaults: { interval: 50ms, bearer_token_file: " + defaults_token + " }\n" +
          "endpoints:\n"
          "  - { name: bearer, url: \"" +
          server.Url("/bearer") + "\", class: core, " + "bearer_token_file: " + bearer + " }\n" +
          "  - { name: basic, url: \"" + server.Url("/basic") + "\", class: core, " +
          "basic_auth: { username: alice, password_file: " + password + " } }\n" +
          "  - { name: header, url: \"" + server.Url("/header") + "\", class: core, " +
          "headers: { X-Api-Key: { file: " + api_key + " } } }\n" +
          "  - { name: credential, url: \"" + server.Url("/credential") + "\", class: core, " +
          "bearer_token_file: \"${CREDENTIALS_DIRECTORY}/token\" }\n" +
          "  - { name: inherited, url: \"" + server.Url("/inherited") + "\", class: core }\n",
      {{"CREDENTIALS_DIRECTORY", credentials_directory.path()}});
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  for (const char* endpoint : {"bearer", "basic", "header", "credential", "inherited"}) {
    EXPECT_TRUE(WaitFor([&] { return Succeeds(daemon, endpoint); })) << endpoint;
  }
}

TEST(CredentialsTest, ReloadSendsTheRotatedTokenAndKeepsTheWindow) {
  SecretDir secrets;
  std::string token_file = secrets.Write("token", "tok-old\n");
  std::mutex mutex;
  std::string accepted = "Bearer tok-old";
  CaptureServer server([&](const std::string& request) {
    std::lock_guard<std::mutex> lock(mutex);
    return CaptureServer::HeaderValue(request, "Authorization") == accepted ? 200 : 401;
  });
  DaemonProcess daemon("endpoints:\n  - { name: api, url: \"" + server.Url("/") +
                       "\", class: core, interval: 20ms, bearer_token_file: " + token_file +
                       " }\n");
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  const std::map<std::string, std::string> ok = {{"endpoint", "api"}, {"result", "success"}};
  double before = 0;
  ASSERT_TRUE(WaitFor([&] {
    before = Metric(daemon, "latencyd_probes_total", ok).value_or(0);
    return before >= 20;
  }));
  {
    std::lock_guard<std::mutex> lock(mutex);
    accepted = "Bearer tok-new";  // the server rotates first, as an identity provider would
  }
  secrets.Write("token", "tok-new\n");
  daemon.Signal(SIGHUP);
  EXPECT_TRUE(server.WaitForRequest(
      [](const std::string& r) {
        return CaptureServer::HeaderValue(r, "Authorization") == "Bearer tok-new";
      },
      std::chrono::seconds(20)));
  EXPECT_TRUE(WaitFor([&] { return Succeeds(daemon, "api"); }));
  // A new window would have restarted the counters from zero.
  EXPECT_GE(Metric(daemon, "latencyd_probes_total", ok).value_or(0), before);
}

// The secrets all contain "SECRET"; nothing any surface prints may.
constexpr const char* kMarker = "SECRET";

void ExpectNoSecret(const std::string& surface, const std::string& text) {
  EXPECT_EQ(text.find(kMarker), std::string::npos) << surface << ":\n" << text;
}

std::string NeverShownConfig(const CaptureServer& server, const SecretDir& secrets,
                             const std::string& extra_url = "") {
  std::string port = std::to_string(server.port());
  std::string config =
      "defaults: { interval: 50ms }\nendpoints:\n"
      "  - { name: bearer, url: \"" +
      server.Url("/a") + "\", class: core, " + "bearer_token_file: " + secrets.path() +
      "/bearer }\n" + "  - { name: basic, url: \"" + server.Url("/b") + "\", class: core, " +
      "basic_auth: { username: alice, password_file: " + secrets.path() + "/password } }\n" +
      "  - { name: headers, url: \"" + server.Url("/c") + "\", class: core, " +
      "headers: { X-Key: { file: " + secrets.path() + "/header }, X-Inline: SECRETinline } }\n" +
      "  - { name: userinfo, url: \"http://bob:SECRETuserinfo@127.0.0.1:" + port +
      "/d?token=SECRETquery&api_key=SECRETkey&page=1\", class: core }\n" +
      "  - { name: credential, url: \"" + server.Url("/e") + "\", class: core, " +
      "bearer_token_file: \"${CREDENTIALS_DIRECTORY}/token\" }\n";
  if (!extra_url.empty()) {
    config += "  - { name: broken, url: \"" + extra_url + "\", class: core }\n";
  }
  return config;
}

TEST(CredentialsTest, NoSecretReachesAnyOutputSurface) {
  SecretDir secrets;
  SecretDir credentials_directory;
  secrets.Write("bearer", "SECRETbearer\n");
  secrets.Write("password", "SECRETpassword\n");
  secrets.Write("header", "SECRETheader\n");
  credentials_directory.Write("token", "SECRETcredential\n");
  const std::map<std::string, std::string> env = {
      {"CREDENTIALS_DIRECTORY", credentials_directory.path()}};
  CaptureServer server([](const std::string&) { return 401; });  // every probe fails
  DaemonProcess daemon(NeverShownConfig(server, secrets), env,
                       {"--web.enable-lifecycle"});  // logs at debug level
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  ASSERT_TRUE(WaitFor([&] {
    return Metric(daemon, "latencyd_probes_total",
                  {{"endpoint", "userinfo"}, {"result", "failure"}})
               .value_or(0) > 0;
  }));
  // The secrets did reach the server, so they were in the daemon's hands.
  ASSERT_TRUE(server.WaitForRequest(
      [](const std::string& r) { return r.find("SECRETcredential") != std::string::npos; },
      std::chrono::seconds(20)));

  // A successful reload with a rotated secret, then one that fails on a URL with secrets.
  secrets.Write("bearer", "SECRETrotated\n");
  std::string body;
  EXPECT_EQ(daemon.PostStatus("/-/reload", &body), 200) << body;
  ExpectNoSecret("POST /-/reload", body);
  std::string bad_url = "http://eve:SECRETbadurl@127.0.0.1:99999/?password=SECRETbadquery";
  daemon.RewriteConfig(NeverShownConfig(server, secrets, bad_url));
  EXPECT_NE(daemon.PostStatus("/-/reload", &body), 200);
  EXPECT_NE(body.find("invalid port"), std::string::npos) << body;
  ExpectNoSecret("failed POST /-/reload", body);
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon.Stderr().find("SIGHUP") != std::string::npos; }));

  for (const char* path : {"/metrics", "/", "/api/v1/endpoints"}) {
    std::optional<std::string> page = daemon.Get(path);
    ASSERT_TRUE(page.has_value()) << path;
    ExpectNoSecret(path, *page);
  }
  CommandResult check =
      RunLatencyd({"--config.check", "--config.file=" + daemon.config_path()}, env);
  EXPECT_EQ(check.exit_code, 1);
  ExpectNoSecret("--config.check", check.out + check.err);
  daemon.RewriteConfig(NeverShownConfig(server, secrets));
  check = RunLatencyd({"--config.check", "--config.file=" + daemon.config_path()}, env);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  ExpectNoSecret("--config.check", check.out + check.err);
  for (const char* endpoint : {"bearer", "basic", "headers", "userinfo", "credential"}) {
    CommandResult probe = RunLatencyd({"probe", "--config.file=" + daemon.config_path(),
                                       std::string("--endpoint=") + endpoint, "--count=1"},
                                      env);
    EXPECT_EQ(probe.exit_code, 1) << endpoint << probe.err;  // the server says 401
    ExpectNoSecret(std::string("probe --endpoint=") + endpoint, probe.out + probe.err);
  }
  CommandResult adhoc = RunLatencyd({"probe", bad_url, "--header=X-Token: SECRETflag"});
  EXPECT_EQ(adhoc.exit_code, 2);
  ExpectNoSecret("probe URL", adhoc.out + adhoc.err);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0);
  std::string logs = daemon.Stderr();
  EXPECT_NE(logs.find("level=debug"), std::string::npos) << logs;
  EXPECT_NE(logs.find("reload failed"), std::string::npos) << logs;
  EXPECT_NE(logs.find("endpoint probes fail"), std::string::npos) << logs;
  ExpectNoSecret("logs", logs);
}

TEST(CredentialsTest, ConfigCheckCanSkipSecretFiles) {
  char path[] = "/tmp/latencyd-check-XXXXXX";
  int fd = mkstemp(path);
  std::string text =
      "endpoints:\n  - { name: a, url: http://127.0.0.1:1/, class: core, "
      "bearer_token_file: /nonexistent/token }\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  std::string file = std::string("--config.file=") + path;
  CommandResult reading = RunLatencyd({"--config.check", file});
  EXPECT_EQ(reading.exit_code, 1);
  EXPECT_NE(reading.err.find(":2:74: endpoints[0].bearer_token_file: cannot open"),
            std::string::npos)
      << reading.err;
  CommandResult skipping = RunLatencyd({"--config.check", "--config.skip-secret-files", file});
  EXPECT_EQ(skipping.exit_code, 0) << skipping.err;
  EXPECT_NE(skipping.out.find("ok (1 endpoints, 2 classes; secret files not read)"),
            std::string::npos)
      << skipping.out;
  EXPECT_EQ(RunLatencyd({"--config.skip-secret-files", file}).exit_code, 2);  // check only
  unlink(path);
}

TEST(CredentialsTest, ProbeEndpointSendsTheDaemonsRequestByteForByte) {
  SecretDir secrets;
  std::string token = secrets.Write("token", "tok-probe\n");
  std::string key = secrets.Write("key", "key-probe\n");
  CaptureServer server;
  std::string config = "endpoints:\n  - name: api\n    url: \"" + server.Url("/v1/items?x=1") +
                       "\"\n    class: core\n    method: POST\n    body: '{\"q\": 1}'\n" +
                       "    headers: { Content-Type: application/json, X-Key: { file: " + key +
                       " } }\n    bearer_token_file: " + token +
                       "\n    expect: { status: 200 }\n    interval: 1s\n";
  std::string daemon_request;
  {
    DaemonProcess daemon(config);
    ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
    ASSERT_TRUE(WaitFor([&] { return server.RequestCount() >= 1; }));
    daemon.Signal(SIGTERM);
    ASSERT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0);
    daemon_request = server.Requests().front();
    std::string path = daemon.dir() + "/copy.yml";
    std::ofstream(path) << config;
    std::size_t before = server.RequestCount();
    CommandResult probe =
        RunLatencyd({"probe", "--config.file=" + path, "--endpoint=api", "--count=1"});
    EXPECT_EQ(probe.exit_code, 0) << probe.out << probe.err;
    ASSERT_EQ(server.RequestCount(), before + 1);
  }
  std::string probe_request = server.Requests().back();
  EXPECT_NE(daemon_request.find("POST /v1/items?x=1 HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(daemon_request.find("\r\n\r\n{\"q\": 1}"), std::string::npos) << daemon_request;
  EXPECT_NE(daemon_request.find("Authorization: Bearer tok-probe\r\n"), std::string::npos);
  EXPECT_EQ(probe_request, daemon_request);
}

}  // namespace
}  // namespace latencyd
