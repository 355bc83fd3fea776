// The real daemon's resident memory under scrapes of a several-MiB /metrics from more
// concurrent connections than the HTTP server has threads: what one scrape costs must not be
// kept once per server thread that ever served one (a ratio of RSS, not a timing).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/daemon_process.h"

namespace latencyd {
namespace {

using testing::DaemonProcess;

// 1,000 endpoints with three own labels make a /metrics text of about 8 MiB. They probe a
// closed port once an hour, so the daemon does little but serve scrapes.
std::string LargeConfig() {
  std::ostringstream yaml;
  yaml << "defaults: { interval: 1h, timeout: 1s, window: 2h }\nendpoints:\n";
  for (int i = 0; i < 1000; ++i) {
    yaml << "  - { name: endpoint_" << i << ", url: \"http://127.0.0.1:9/" << i
         << "\", class: core, labels: { team: team_" << i % 17 << ", service: service_" << i
         << ", region: region_" << i % 5 << " } }\n";
  }
  return yaml.str();
}

long ResidentKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// One GET /metrics on a fresh connection; the body size, 0 on failure.
std::size_t Scrape(int port, bool gzip) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  client.set_decompress(false);
  httplib::Headers headers;
  if (gzip) headers.emplace("Accept-Encoding", "gzip");
  auto response = client.Get("/metrics", headers);
  return response && response->status == 200 ? response->body.size() : 0;
}

TEST(ScrapeMemoryTest, ConcurrentScrapesOnManyThreadsDoNotMultiplyResidentMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator keeps freed memory (quarantine, shadow): RSS says "
                  "nothing about glibc's arenas there";
#endif
  DaemonProcess daemon(LargeConfig());
  ASSERT_TRUE(daemon.WaitUntilServing()) << daemon.Stderr();
  const std::size_t first = Scrape(daemon.port(), false);
  ASSERT_GT(first, 5u << 20) << "the scrape should be several MiB";
  const long after_first = ResidentKib(daemon.pid());

  // Rounds of 24 simultaneous scrapes (the server has 16 threads), a third of them gzip.
  constexpr int kRounds = 4, kClients = 24;
  std::atomic<int> failed{0};
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        if (Scrape(daemon.port(), i % 3 == 0) == 0) ++failed;
      });
    }
    for (auto& client : clients) client.join();
  }
  const long after_all = ResidentKib(daemon.pid());
  std::cout << "RSS after the first scrape " << after_first << " KiB, after " << kRounds * kClients
            << " more " << after_all << " KiB\n";
  EXPECT_EQ(failed, 0);
  // A scrape may keep its renderer's buffers (a few MiB here); 96 scrapes on 16 threads must
  // not keep one scrape's worth per thread (on the unfixed code: about 5x).
  EXPECT_LT(static_cast<double>(after_all), 1.5 * static_cast<double>(after_first))
      << "RSS after the first scrape " << after_first << " KiB, after " << kRounds * kClients
      << " more " << after_all << " KiB";
}

}  // namespace
}  // namespace latencyd
