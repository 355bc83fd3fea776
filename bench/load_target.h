// The HTTP target every benchmark probes: nginx (started here with a temporary config, one
// worker, a tiny static file) or, when nginx is not installed, the in-process FixtureServer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/raw_http.h"

namespace latencyd::testing {
class FixtureServer;
}

namespace latencyd::bench {

// A temporary directory removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFileText(const std::string& path, const std::string& text);

// Not thread-safe; stops its server in the destructor.
class LoadTarget {
 public:
  struct Options {
    std::string kind = "auto";  // auto, nginx or fixture
    std::string nginx = "/usr/sbin/nginx";
    int addresses = 1;  // nginx listens on 127.0.0.1 .. 127.0.0.<addresses>
  };
  // Throws std::runtime_error when no target can be started.
  explicit LoadTarget(const Options& options);
  ~LoadTarget();
  LoadTarget(const LoadTarget&) = delete;
  LoadTarget& operator=(const LoadTarget&) = delete;

  // "nginx/1.22.1, 1 worker" or "FixtureServer (cpp-httplib)".
  const std::string& description() const { return description_; }
  // The i-th listening address (i modulo address_count()).
  HttpTarget Address(int i) const;
  int address_count() const { return addresses_; }
  // Processes serving requests (nginx workers); empty for the in-process fixture.
  std::vector<pid_t> ServerPids() const;

 private:
  bool StartNginx(const Options& options);
  void StartFixture();

  TempDir dir_;
  std::string description_;
  int port_ = 0;
  int addresses_ = 1;
  std::string path_;
  ChildProcess nginx_;
  std::unique_ptr<testing::FixtureServer> fixture_;
};

// A TCP port that was free on every address 127.0.0.1..127.0.0.<addresses> a moment ago.
int FreePort(int addresses);
// Polls until a TCP connect to host:port succeeds or `timeout_ms` passes.
bool WaitForListen(const std::string& host, int port, int timeout_ms);

}  // namespace latencyd::bench
