// Files that never end: a FIFO or a device as the config, an endpoint file or a benchmark file
// is refused by its type without blocking, and reading stops at the size bound.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

// Bounds a load that the old code would block in forever; generous for a loaded machine.
constexpr auto kLoadBound = std::chrono::seconds(10);

// A FIFO in a fresh temporary directory, removed with it.
class FifoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "latencyd_fifo_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    fifo_ = dir_ + "/endpoints.yml";
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
  }
  void TearDown() override {
    std::remove(fifo_.c_str());
    std::remove((dir_ + "/latencyd.yml").c_str());
    ::rmdir(dir_.c_str());
  }

  // Runs `load` with a time bound. A load stuck in open() or read() on the FIFO is released
  // by opening the write end and closing it (the reader then sees end of file), so a failing
  // test ends instead of hanging.
  std::string LoadBounded(std::function<void()> load) {
    auto future = std::async(std::launch::async, [load] {
      try {
        load();
      } catch (const ConfigError& e) {
        return std::string(e.what());
      }
      return std::string("(no error)");
    });
    if (future.wait_for(kLoadBound) != std::future_status::ready) {
      ADD_FAILURE() << "loading blocked on the FIFO";
      for (int i = 0;
           i < 100 && future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready;
           ++i) {
        int fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      }
    }
    return future.get();
  }

  std::string dir_;
  std::string fifo_;
};

TEST_F(FifoTest, ConfigFileIsRefusedWithoutBlocking) {
  std::string message = LoadBounded([&] { LoadConfigFile(fifo_); });
  EXPECT_EQ(message, fifo_ + ": not a regular file (a FIFO)");
}

TEST_F(FifoTest, EndpointFileGlobMatchingAFifoIsRefusedWithoutBlocking) {
  std::string main = dir_ + "/latencyd.yml";
  std::ofstream(main) << "endpoint_files: ['*.yml']\n";
  // The glob also matches latencyd.yml itself, which holds no endpoint list: only the FIFO's
  // message matters here.
  std::string message = LoadBounded([&] { LoadConfigFile(main); });
  EXPECT_NE(message.find(fifo_ + ": not a regular file (a FIFO)"), std::string::npos) << message;
}

TEST(SpecialFileTest, CharacterDeviceIsRefused) {
  try {
    LoadConfigFile("/dev/zero");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/dev/zero: not a regular file (a character device)");
  }
}

}  // namespace
}  // namespace latencyd::config
