// The real latencyd binary against hostile loopback clients on raw sockets: slow clients,
// oversized and malformed requests, reloads without the lifecycle flag, login probing.
// Each test failed against the daemon before its fix (LATENCYD_TEST_BINARY runs them
// against another build). Bounded: at most 256 connections, a few seconds each.
#include <crypt.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "test/integration/daemon_process.h"
#include "test/integration/wait_for.h"
#include "test/support/raw_client.h"

namespace latencyd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::DaemonProcess;
using testing::RawConnection;
using testing::StatusOf;
using testing::WaitFor;
using Clock = std::chrono::steady_clock;

// Nothing to probe that could disturb the measurements: one refused port, hourly.
constexpr char kQuietConfig[] =
    "endpoints:\n  - { name: quiet, url: \"http://127.0.0.1:1/\", class: core, interval: 1h, "
    "window: 1h }\n";

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// Peak resident memory (VmHWM) of a process, in KiB.
long PeakRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

class HostileClientsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {"--web.enable-lifecycle"}) {
    daemon_ =
        std::make_unique<DaemonProcess>(kQuietConfig, std::map<std::string, std::string>{}, args);
    ASSERT_TRUE(daemon_->WaitUntilServing()) << daemon_->Stderr();
    ASSERT_TRUE(WaitFor([&] { return daemon_->Get("/-/ready").has_value(); }));
  }
  int Reloads() const {
    std::string log = daemon_->Stderr();
    return CountOccurrences(log, "config reloaded") + CountOccurrences(log, "reload failed");
  }
  int port() const { return daemon_->port(); }
  std::unique_ptr<DaemonProcess> daemon_;
};

// Answers `path` with 200 within `timeout`? Returns the time taken, or nullopt.
std::optional<Clock::duration> TimedGet(int port, const std::string& path, milliseconds timeout,
                                        const std::string& headers = "") {
  auto start = Clock::now();
  if (testing::Get(port, path, timeout, headers) != 200) return std::nullopt;
  return Clock::now() - start;
}

TEST_F(HostileClientsTest, SlowClientsDoNotStarveMetricsOrHealthAndAreDropped) {
  Start();
  // 256 clients send a partial request, then keep it alive with one header line a second:
  // a per-recv timeout never fires for them; the 5 s request deadline must.
  constexpr int kClients = 256;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kClients; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port()));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  auto attack_start = Clock::now();
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop && Clock::now() - attack_start < seconds(15)) {
      for (auto& connection : slow) connection->Send("X-Slow: 1\r\n", milliseconds(10));
      for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(milliseconds(100));
    }
  });
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~JoinOnExit() {
      stop = true;
      thread.join();
    }
  } join_trickle{stop, trickle};

  Clock::duration slowest{};
  int rounds = 0;
  // Up to three rounds, all well inside the 5 s for which every slow client stays connected.
  for (; rounds < 3 && Clock::now() - attack_start < seconds(3); ++rounds) {
    for (const char* path : {"/metrics", "/-/healthy"}) {
      // The requirement is 2 s; 5 s leaves room for a loaded CI machine. Before the fix no
      // answer came at all while the attack lasted.
      auto took = TimedGet(port(), path, milliseconds(5000));
      ASSERT_TRUE(took.has_value()) << path << " got no answer within 5 s, round " << rounds;
      slowest = std::max(slowest, *took);
    }
  }
  std::cout << "slowest /metrics or /-/healthy answer during the attack (" << rounds
            << " rounds): " << Seconds(slowest) << " s\n";

  int dropped = 0;
  for (auto& connection : slow) {
    auto left = attack_start + seconds(12) - Clock::now();
    if (connection->WaitForClose(std::chrono::duration_cast<milliseconds>(left))) ++dropped;
  }
  Clock::duration all_dropped_after = Clock::now() - attack_start;
  std::cout << dropped << " of " << kClients << " slow clients dropped after "
            << Seconds(all_dropped_after) << " s\n";
  EXPECT_EQ(dropped, kClients) << "slow clients still connected 12 s into the attack";
  EXPECT_GE(all_dropped_after, milliseconds(4500)) << "dropped before the 5 s deadline";
  EXPECT_EQ(testing::Get(port(), "/-/healthy", milliseconds(5000)), 200);
}

TEST_F(HostileClientsTest, AHugeHeadIsRefusedAndCostsOnlyAFewMiB) {
  Start();
  ASSERT_EQ(testing::Get(port(), "/metrics", milliseconds(5000)), 200);
  long peak_before = PeakRssKiB(daemon_->pid());
  // 1,000,000 header lines (11 MB, as the finding), then more: up to 32 MB, sent while the
  // daemon reads them. Only the kernel's socket buffers take more than the head limit.
  RawConnection connection(port());
  ASSERT_TRUE(connection.Send("POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  std::string block;
  while (block.size() < 64 * 1024) block += "X-Filler: 0123456789\r\n";
  std::size_t sent = 0;
  constexpr std::size_t kFlood = 32 * 1000 * 1000;
  while (sent < kFlood && connection.Send(block, milliseconds(2000))) sent += block.size();
  if (sent >= kFlood) connection.Send("\r\n");
  std::string answer = connection.ReadUntilClosed(milliseconds(5000));
  long peak_after = PeakRssKiB(daemon_->pid());
  std::cout << "sent " << sent << " bytes of head; peak RSS " << peak_before << " -> " << peak_after
            << " KiB; answer: " << answer.substr(0, answer.find("\r\n")) << "\n";
  EXPECT_LT(sent, kFlood) << "the daemon kept reading the head";
  // The 431 is lost when the daemon's close resets a connection still being written to.
  if (!answer.empty()) {
    EXPECT_EQ(StatusOf(answer), 431) << answer;
  }
  EXPECT_LT(peak_after - peak_before, 4 * 1024) << "peak RSS grew by more than 4 MiB";
  EXPECT_EQ(Reloads(), 0);

  // Many small fields: bounded by count, not only by size.
  std::string fields;
  for (int i = 0; i < 200; ++i) fields += "X-F" + std::to_string(i) + ": 1\r\n";
  RawConnection many(port());
  ASSERT_TRUE(many.Send("POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n"));
  EXPECT_EQ(StatusOf(many.ReadResponse(milliseconds(5000)).value_or("")), 431);
  EXPECT_EQ(Reloads(), 0);
}

TEST_F(HostileClientsTest, ABodyOverTheLimitGets413BeforeItIsRead) {
  Start();
  RawConnection connection(port());
  auto start = Clock::now();
  ASSERT_TRUE(connection.Send(
      "POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 104857600\r\n\r\n"));
  std::optional<std::string> answer = connection.ReadResponse(milliseconds(5000));
  ASSERT_TRUE(answer.has_value()) << "no answer without the body";
  EXPECT_EQ(StatusOf(*answer), 413) << *answer;
  EXPECT_LT(Clock::now() - start, seconds(2));
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_EQ(Reloads(), 0);
}

TEST_F(HostileClientsTest, MalformedFramingIs400AndNeverReloads) {
  Start();
  const std::string kPost = "POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const std::string kChunked = kPost + "Transfer-Encoding: chunked\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"invalid chunk size", kChunked + "zz\r\nabc\r\n0\r\n\r\n"},
      {"negative chunk size", kChunked + "-5\r\nabc\r\n0\r\n\r\n"},
      {"0x chunk size", kChunked + "0x3\r\nabc\r\n0\r\n\r\n"},
      {"chunk without CRLF", kChunked + "3\r\nabcX\r\n0\r\n\r\n"},
      {"two Content-Lengths", kPost + "Content-Length: 0\r\nContent-Length: 3\r\n\r\nabc"},
      {"Content-Length list", kPost + "Content-Length: 3, 3\r\n\r\nabc"},
      {"Transfer-Encoding and Content-Length",
       kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"Transfer-Encoding xchunked", kPost + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
      {"Transfer-Encoding chunked, identity",
       kPost + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
      {"space before the colon", kPost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
      {"obs-fold", kPost + "X-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"bare LF", kPost + "Transfer-Encoding: chunked\n\r\n0\r\n\r\n"},
      {"NUL in a value", kPost + std::string("X-A: a\0b\r\n\r\n", 12)},
  };
  for (const auto& [name, request] : cases) {
    RawConnection connection(port());
    ASSERT_TRUE(connection.Send(request)) << name;
    std::string answer = connection.ReadResponse(milliseconds(5000)).value_or("");
    EXPECT_EQ(StatusOf(answer), 400) << name << ": " << answer;
    EXPECT_EQ(answer.find("Reloaded"), std::string::npos) << name;
  }
  EXPECT_EQ(Reloads(), 0);

  // A well-formed chunked body is fine, and then does reload.
  RawConnection good(port());
  ASSERT_TRUE(good.Send(kChunked + "3\r\nabc\r\n0\r\n\r\n"));
  std::string answer = good.ReadResponse(milliseconds(10000)).value_or("");
  EXPECT_EQ(StatusOf(answer), 200) << answer;
  EXPECT_EQ(Reloads(), 1);
}

TEST_F(HostileClientsTest, ReloadOverHttpNeedsTheLifecycleFlagButSighupWorks) {
  Start({});
  RawConnection connection(port());
  ASSERT_TRUE(connection.Send("POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string answer = connection.ReadResponse(milliseconds(5000)).value_or("");
  EXPECT_EQ(StatusOf(answer), 403) << answer;
  EXPECT_NE(answer.find("--web.enable-lifecycle"), std::string::npos) << answer;
  EXPECT_EQ(Reloads(), 0);
  daemon_->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return Reloads() == 1; })) << daemon_->Stderr();
}

}  // namespace
}  // namespace latencyd
