// The state file's format: every endpoint's window samples, history, last result and breach
// detector state in one binary document, encoded and decoded as a whole, so a file is either
// read completely or not at all. Pure functions, thread-safe.
//
// Layout (little-endian, as the machine writes it; a byte-order mark rejects others):
//   "LATENCYD" u32 version=1 u32 0x01020304 i64 saved_unix_ns u32 endpoint_count
//   per endpoint: str name, u64 settings fingerprint, u32 n + n samples (i64 unix_ns, 6 x u32
//     microseconds), i64 open_bucket_index, u32 successes, u32 failures, u32 skipped,
//     u8 breached, i64 open_bucket_since_unix_ns, u32 n + n history buckets (5 x u16),
//     u8 has_result, u8 last_success, i32 http_status, f64 last probe time, str reason,
//     str error, f64 failing_since, f64 breached_since, f64 healthy_since, str detector
//   u64 FNV-1a of everything before it
// where str is u32 length + bytes. The detector string is empty (no saved detector: files
// written before it was saved) or 49 bytes: u64 question (DetectorQuestion), u8 breached,
// f64 rise, f64 fall, f64 above_fraction, f64 since_unix_seconds, u64 samples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/window/endpoint_state.h"
#include "daemon/window/history.h"
#include "daemon/window/latency_window.h"

namespace latencyd {

inline constexpr std::uint32_t kStateFileVersion = 1;

struct EndpointRecord {
  std::string name;
  std::uint64_t settings = 0;  // SettingsFingerprint of the endpoint when saved
  // Window samples with unix times (at_ns holds unix nanoseconds here, not steady time).
  std::vector<LatencyWindow::Sample> samples;
  std::int64_t open_bucket_index = -1;
  History::OpenCounts open_counts;
  std::int64_t open_bucket_since_unix_ns = 0;
  std::vector<History::Packed> closed_buckets;
  EndpointState::LastResult last;
  std::optional<EndpointState::SavedDetector> detector;
};

struct StateFile {
  std::int64_t saved_unix_ns = 0;
  std::vector<EndpointRecord> endpoints;
};

// Appends encoded pieces to a string, keeping the running checksum; Finish adds it.
class StateFileWriter {
 public:
  explicit StateFileWriter(std::int64_t saved_unix_ns, std::uint32_t endpoint_count);
  void Add(const EndpointRecord& record);
  // The bytes not yet taken (write them out between endpoints to bound memory).
  std::string TakeBytes();
  // The checksum trailer; the last bytes of the file.
  std::string Finish();

 private:
  void Put(const void* data, std::size_t size);
  template <typename T>
  void PutValue(T value) {
    Put(&value, sizeof value);
  }
  void PutString(std::string_view text);

  std::string buffer_;
  std::uint64_t checksum_ = 0xcbf29ce484222325ull;
};

// The whole file in one string (tests, small files).
std::string EncodeStateFile(const StateFile& file);

// Reads a whole file; false with `error` ("truncated at byte N", "checksum mismatch",
// "version 7, expected 1", ...) when anything is wrong, leaving `out` unspecified.
bool DecodeStateFile(std::string_view bytes, StateFile* out, std::string* error);

}  // namespace latencyd
