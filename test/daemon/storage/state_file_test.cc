// The state file's encoding: round trip, and every kind of damage rejected as a whole.
#include "daemon/storage/state_file.h"

#include <gtest/gtest.h>

#include <random>

namespace latencyd {
namespace {

StateFile Sample() {
  StateFile file;
  file.saved_unix_ns = 1'700'000'000'123'456'789;
  for (int e = 0; e < 3; ++e) {
    EndpointRecord record;
    record.name = "endpoint_" + std::to_string(e);
    record.settings = 0x1234'5678'9abc'def0ull + e;
    for (int i = 0; i < 50; ++i) {
      LatencyWindow::Sample sample{};
      sample.at_ns = file.saved_unix_ns - (50 - i) * 1'000'000'000ll;
      for (int k = 0; k < kSeriesCount; ++k) sample.micros[k] = 1000 + i * 7 + k;
      record.samples.push_back(sample);
    }
    record.open_bucket_index = 5'666'666;
    record.open_counts = {49, 1, 2, true};
    record.open_bucket_since_unix_ns = file.saved_unix_ns - 60'000'000'000ll;
    record.closed_buckets.resize(287 - e);
    record.closed_buckets[0] = {100, 200, 300, 4, 0x8001};
    record.last = {
        true,          e != 2, 503,          1'700'000'000.25, "status", "HTTP 503 <html>",
        1'699'999'000, 0,      1'699'990'000};
    if (e == 1) {
      BreachDetectorState detector;
      detector.breached = true;
      detector.rise = 0.25;
      detector.fall = 3.5;
      detector.above_fraction = 0.875;
      detector.since_unix_seconds = 1'699'999'500.5;
      detector.samples = 123'456;
      record.detector = EndpointState::SavedDetector{0xfeedfacecafebeefull, detector};
    }
    file.endpoints.push_back(record);
  }
  return file;
}

TEST(StateFileTest, RoundTrips) {
  const StateFile file = Sample();
  StateFile read;
  std::string error;
  ASSERT_TRUE(DecodeStateFile(EncodeStateFile(file), &read, &error)) << error;
  EXPECT_EQ(read.saved_unix_ns, file.saved_unix_ns);
  ASSERT_EQ(read.endpoints.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    const EndpointRecord& a = file.endpoints[e];
    const EndpointRecord& b = read.endpoints[e];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.settings, a.settings);
    ASSERT_EQ(b.samples.size(), a.samples.size());
    EXPECT_EQ(b.samples[49].at_ns, a.samples[49].at_ns);
    EXPECT_EQ(b.samples[49].micros[5], a.samples[49].micros[5]);
    EXPECT_EQ(b.open_bucket_index, a.open_bucket_index);
    EXPECT_EQ(b.open_counts.successes, 49u);
    EXPECT_TRUE(b.open_counts.breached);
    EXPECT_EQ(b.open_bucket_since_unix_ns, a.open_bucket_since_unix_ns);
    ASSERT_EQ(b.closed_buckets.size(), a.closed_buckets.size());
    EXPECT_EQ(b.closed_buckets[0].skipped_and_breached, 0x8001);
    EXPECT_EQ(b.detector, a.detector);
    EXPECT_EQ(b.detector.has_value(), e == 1);
    EXPECT_EQ(b.last.has_result, true);
    EXPECT_EQ(b.last.last_success, e != 2);
    EXPECT_EQ(b.last.http_status, 503);
    EXPECT_EQ(b.last.timestamp_seconds, 1'700'000'000.25);
    EXPECT_EQ(b.last.reason, "status");
    EXPECT_EQ(b.last.error, "HTTP 503 <html>");
    EXPECT_EQ(b.last.failing_since, 1'699'999'000);
    EXPECT_EQ(b.last.healthy_since, 1'699'990'000);
  }
}

TEST(StateFileTest, RejectsEveryTruncation) {
  const std::string bytes = EncodeStateFile(Sample());
  StateFile read;
  std::string error;
  // Every prefix, so no cut (inside a count, a string, a sample) is half-read.
  for (std::size_t size = 0; size < bytes.size(); size += 1 + size / 64) {
    EXPECT_FALSE(DecodeStateFile(bytes.substr(0, size), &read, &error)) << size;
  }
}

TEST(StateFileTest, RejectsFlippedBitsRandomBytesAndOtherVersions) {
  const std::string bytes = EncodeStateFile(Sample());
  StateFile read;
  std::string error;
  std::mt19937 random(7);
  for (int i = 0; i < 200; ++i) {
    std::string damaged = bytes;
    damaged[random() % damaged.size()] ^= static_cast<char>(1 << (random() % 8));
    EXPECT_FALSE(DecodeStateFile(damaged, &read, &error));
  }
  std::string noise(bytes.size(), '\0');
  for (char& c : noise) c = static_cast<char>(random());
  EXPECT_FALSE(DecodeStateFile(noise, &read, &error));
  EXPECT_EQ(error, "not a latencyd state file");
  std::string noise_with_magic = "LATENCYD" + noise;
  EXPECT_FALSE(DecodeStateFile(noise_with_magic, &read, &error));

  std::string future = bytes;
  future[8] = 7;  // the version, right after the magic
  EXPECT_FALSE(DecodeStateFile(future, &read, &error));
  EXPECT_EQ(error, "version 7, expected 1");
  EXPECT_FALSE(DecodeStateFile(bytes + "x", &read, &error));
}

}  // namespace
}  // namespace latencyd
