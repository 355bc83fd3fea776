#include "daemon/metrics/process_metrics.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <vector>

namespace latencyd {
namespace {

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ProcessMetricsTest, FiguresArePlausible) {
  const ProcessStats stats = ReadProcessStats();
  ASSERT_TRUE(stats.resident_memory_bytes.has_value());
  EXPECT_GT(*stats.resident_memory_bytes, 0);
  ASSERT_TRUE(stats.virtual_memory_bytes.has_value());
  EXPECT_GE(*stats.virtual_memory_bytes, *stats.resident_memory_bytes);
  ASSERT_TRUE(stats.open_fds.has_value());
  EXPECT_GE(*stats.open_fds, 3) << "at least stdin, stdout and stderr";
  ASSERT_TRUE(stats.max_fds.has_value());
  EXPECT_GE(*stats.max_fds, *stats.open_fds);
  ASSERT_TRUE(stats.cpu_seconds.has_value());
  EXPECT_GE(*stats.cpu_seconds, 0);
  ASSERT_TRUE(stats.start_time_seconds.has_value());
  const double now = UnixNow();
  EXPECT_LE(*stats.start_time_seconds, now + 1);
  EXPECT_GT(*stats.start_time_seconds, now - 3600) << "this test started within the hour";
}

TEST(ProcessMetricsTest, OpenFdsFollowOpenFiles) {
  const double before = *ReadProcessStats().open_fds;
  std::vector<FILE*> files;
  for (int i = 0; i < 5; ++i) files.push_back(std::fopen("/proc/self/stat", "r"));
  EXPECT_EQ(*ReadProcessStats().open_fds, before + 5);
  for (FILE* file : files) std::fclose(file);
  EXPECT_EQ(*ReadProcessStats().open_fds, before);
}

TEST(ProcessMetricsTest, MaxFdsIsTheSoftLimit) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(*ReadProcessStats().max_fds, static_cast<double>(limit.rlim_cur));
}

TEST(ProcessMetricsTest, CpuSecondsGrowWithWork) {
  const double before = *ReadProcessStats().cpu_seconds;
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;
  EXPECT_GT(*ReadProcessStats().cpu_seconds, before);
}

}  // namespace
}  // namespace latencyd
