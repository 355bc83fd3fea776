// The real latencyd binary with basic auth against clients probing logins over raw
// sockets: user names must not leak by timing, the whole password counts, and a flood of
// wrong passwords must neither take every thread nor lock out the scraper.
#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
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
using testing::DaemonProcess;
using Clock = std::chrono::steady_clock;

constexpr char kQuietConfig[] =
    "endpoints:\n  - { name: quiet, url: \"http://127.0.0.1:1/\", class: core, interval: 1h, "
    "window: 1h }\n";
constexpr int kCost = 8;  // ~25 ms a login: measurable, and quick enough for a test

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", kCost, nullptr, 0, salt, sizeof(salt)), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), salt, &data);
}

std::string Base64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string AuthHeader(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + Base64(user + ":" + password) + "\r\n";
}

const std::string kLongPassword(72, 'p');  // all bcrypt reads

class LoginProbingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/latencyd-web-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    web_config_ = path;
    std::ofstream(web_config_) << "basic_auth_users:\n  prometheus: " << Bcrypt("s3cret")
                               << "\n  long: " << Bcrypt(kLongPassword) << "\n";
    daemon_ = std::make_unique<DaemonProcess>(
        kQuietConfig, std::map<std::string, std::string>{},
        std::vector<std::string>{"--web.config.file=" + web_config_});
    ASSERT_TRUE(daemon_->WaitUntilServing()) << daemon_->Stderr();
  }
  void TearDown() override { unlink(web_config_.c_str()); }

  int Login(const std::string& user, const std::string& password) {
    return testing::Get(daemon_->port(), "/-/healthy", milliseconds(10000),
                        AuthHeader(user, password));
  }
  // Seconds one wrong login of `user` takes.
  double TimeLogin(const std::string& user) {
    auto start = Clock::now();
    EXPECT_EQ(Login(user, "wrong"), 401);
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  std::string web_config_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(LoginProbingTest, UnknownUsersCostAsMuchAsKnownOnes) {
  ASSERT_EQ(Login("prometheus", "s3cret"), 200);
  // Interleaved, so a change in the machine's load affects both alike.
  std::vector<double> known, unknown;
  for (int i = 0; i < 9; ++i) {
    known.push_back(TimeLogin("prometheus"));
    unknown.push_back(TimeLogin("nobody"));
  }
  std::sort(known.begin(), known.end());
  std::sort(unknown.begin(), unknown.end());
  double known_median = known[known.size() / 2], unknown_median = unknown[unknown.size() / 2];
  std::cout << "median wrong-password login: known user " << known_median * 1000 << " ms, unknown "
            << unknown_median * 1000 << " ms (bcrypt cost " << kCost << ")\n";
  // Before the fix: ~0.1 ms against ~40 ms. A quarter leaves room for a noisy machine.
  EXPECT_GT(unknown_median, known_median / 4);
}

TEST_F(LoginProbingTest, TheWholePasswordCounts) {
  ASSERT_EQ(Login("prometheus", "s3cret"), 200);
  EXPECT_EQ(Login("prometheus", std::string("s3cret\0junk", 11)), 401);
  ASSERT_EQ(Login("long", kLongPassword), 200);
  EXPECT_EQ(Login("long", kLongPassword + "junk"), 401);  // bcrypt reads only 72 bytes
}

TEST_F(LoginProbingTest, AFloodOfWrongPasswordsIsBoundedAndTheScraperGetsThrough) {
  ASSERT_EQ(Login("prometheus", "s3cret"), 200);
  std::atomic<bool> stop{false};
  std::atomic<int> too_many{0}, denied{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 48; ++i) {
    flood.emplace_back([&] {
      for (int n = 0; n < 200 && !stop; ++n) {
        int status = Login("prometheus", "guess" + std::to_string(n));
        (status == 429 ? too_many : denied)++;
      }
    });
  }
  ASSERT_TRUE(testing::WaitFor([&] { return denied + too_many >= 48; }));
  Clock::duration slowest{};
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    EXPECT_EQ(testing::Get(daemon_->port(), "/metrics", milliseconds(10000),
                           AuthHeader("prometheus", "s3cret")),
              200);
    slowest = std::max(slowest, Clock::now() - start);
  }
  stop = true;
  for (auto& thread : flood) thread.join();
  std::cout << "flood: " << denied << " answered 401, " << too_many
            << " refused with 429; slowest scrape "
            << std::chrono::duration<double>(slowest).count() << " s\n";
  EXPECT_GT(too_many, 0) << "no bound on concurrent bcrypt work";
  EXPECT_LT(slowest, std::chrono::seconds(3));
}

}  // namespace
}  // namespace latencyd
