#include "daemon/storage/state_file.h"

#include <cstring>
#include <limits>

namespace latencyd {
namespace {

constexpr char kMagic[8] = {'L', 'A', 'T', 'E', 'N', 'C', 'Y', 'D'};
constexpr std::uint32_t kByteOrderMark = 0x01020304;
// Bounds that keep a hostile or corrupt count from allocating without limit.
constexpr std::uint32_t kMaxEndpoints = 10'000'000;
constexpr std::uint32_t kMaxSamples = 100'000;  // kMaxWindowSamples
constexpr std::uint32_t kMaxString = 1 << 20;

std::uint64_t Fnv1a(std::uint64_t hash, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  bool Get(T* value) {
    if (bytes_.size() - offset_ < sizeof(T)) return Fail();
    std::memcpy(value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* text) {
    std::uint32_t size = 0;
    if (!Get(&size) || size > kMaxString || bytes_.size() - offset_ < size) return Fail();
    text->assign(bytes_.data() + offset_, size);
    offset_ += size;
    return true;
  }
  template <typename T>
  bool GetArray(std::vector<T>* values, std::uint32_t max_count) {
    std::uint32_t count = 0;
    if (!Get(&count) || count > max_count) return Fail();
    if ((bytes_.size() - offset_) / sizeof(T) < count) return Fail();
    values->resize(count);
    // An empty vector's data() may be null, and memcpy from or to null is undefined even
    // for zero bytes.
    if (count > 0) std::memcpy(values->data(), bytes_.data() + offset_, count * sizeof(T));
    offset_ += count * sizeof(T);
    return true;
  }
  std::size_t offset() const { return offset_; }
  bool failed() const { return failed_; }

 private:
  bool Fail() {
    failed_ = true;
    return false;
  }
  std::string_view bytes_;
  std::size_t offset_ = 0;
  bool failed_ = false;
};

bool ReadLastResult(Reader& in, EndpointState::LastResult* last) {
  std::uint8_t has_result = 0, success = 0;
  std::int32_t status = 0;
  const bool ok = in.Get(&has_result) && in.Get(&success) && in.Get(&status) &&
                  in.Get(&last->timestamp_seconds) && in.GetString(&last->reason) &&
                  in.GetString(&last->error) && in.Get(&last->failing_since) &&
                  in.Get(&last->breached_since) && in.Get(&last->healthy_since);
  last->has_result = has_result != 0;
  last->last_success = success != 0;
  last->http_status = status;
  return ok;
}

constexpr std::size_t kDetectorBytes = 49;  // see the layout in state_file.h

template <typename T>
void Append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string EncodeDetector(const std::optional<EndpointState::SavedDetector>& saved) {
  std::string out;
  if (!saved) return out;
  const BreachDetectorState& s = saved->state;
  Append(out, saved->question);
  Append(out, static_cast<std::uint8_t>(s.breached ? 1 : 0));
  Append(out, s.rise);
  Append(out, s.fall);
  Append(out, s.above_fraction);
  Append(out, s.since_unix_seconds);
  Append(out, s.samples);
  return out;
}

// False for a slot of any other size than empty or kDetectorBytes (a damaged file).
bool DecodeDetector(const std::string& bytes, std::optional<EndpointState::SavedDetector>* saved) {
  saved->reset();
  if (bytes.empty()) return true;
  if (bytes.size() != kDetectorBytes) return false;
  Reader in(bytes);
  EndpointState::SavedDetector out;
  BreachDetectorState& s = out.state;
  std::uint8_t breached = 0;
  if (!(in.Get(&out.question) && in.Get(&breached) && in.Get(&s.rise) && in.Get(&s.fall) &&
        in.Get(&s.above_fraction) && in.Get(&s.since_unix_seconds) && in.Get(&s.samples))) {
    return false;
  }
  s.breached = breached != 0;
  *saved = out;
  return true;
}

bool ReadEndpoint(Reader& in, EndpointRecord* record) {
  std::uint8_t breached = 0;
  std::string detector;
  return in.GetString(&record->name) && in.Get(&record->settings) &&
         in.GetArray(&record->samples, kMaxSamples) && in.Get(&record->open_bucket_index) &&
         in.Get(&record->open_counts.successes) && in.Get(&record->open_counts.failures) &&
         in.Get(&record->open_counts.skipped) && in.Get(&breached) &&
         (record->open_counts.breached = breached != 0, true) &&
         in.Get(&record->open_bucket_since_unix_ns) &&
         in.GetArray(&record->closed_buckets, History::kBucketCount) &&
         ReadLastResult(in, &record->last) && in.GetString(&detector) &&
         DecodeDetector(detector, &record->detector);
}

}  // namespace

StateFileWriter::StateFileWriter(std::int64_t saved_unix_ns, std::uint32_t endpoint_count) {
  Put(kMagic, sizeof kMagic);
  PutValue(kStateFileVersion);
  PutValue(kByteOrderMark);
  PutValue(saved_unix_ns);
  PutValue(endpoint_count);
}

void StateFileWriter::Put(const void* data, std::size_t size) {
  if (size == 0) return;  // data() of an empty vector may be null
  buffer_.append(static_cast<const char*>(data), size);
  checksum_ = Fnv1a(checksum_, data, size);
}

void StateFileWriter::PutString(std::string_view text) {
  PutValue(static_cast<std::uint32_t>(text.size()));
  Put(text.data(), text.size());
}

void StateFileWriter::Add(const EndpointRecord& r) {
  PutString(r.name);
  PutValue(r.settings);
  PutValue(static_cast<std::uint32_t>(r.samples.size()));
  Put(r.samples.data(), r.samples.size() * sizeof(LatencyWindow::Sample));
  PutValue(r.open_bucket_index);
  PutValue(r.open_counts.successes);
  PutValue(r.open_counts.failures);
  PutValue(r.open_counts.skipped);
  PutValue(static_cast<std::uint8_t>(r.open_counts.breached ? 1 : 0));
  PutValue(r.open_bucket_since_unix_ns);
  PutValue(static_cast<std::uint32_t>(r.closed_buckets.size()));
  Put(r.closed_buckets.data(), r.closed_buckets.size() * sizeof(History::Packed));
  PutValue(static_cast<std::uint8_t>(r.last.has_result ? 1 : 0));
  PutValue(static_cast<std::uint8_t>(r.last.last_success ? 1 : 0));
  PutValue(static_cast<std::int32_t>(r.last.http_status));
  PutValue(r.last.timestamp_seconds);
  PutString(r.last.reason);
  PutString(r.last.error);
  PutValue(r.last.failing_since);
  PutValue(r.last.breached_since);
  PutValue(r.last.healthy_since);
  PutString(EncodeDetector(r.detector));
}

std::string StateFileWriter::TakeBytes() {
  std::string bytes;
  bytes.swap(buffer_);
  return bytes;
}

std::string StateFileWriter::Finish() {
  std::string bytes = TakeBytes();
  bytes.append(reinterpret_cast<const char*>(&checksum_), sizeof checksum_);
  return bytes;
}

std::string EncodeStateFile(const StateFile& file) {
  StateFileWriter writer(file.saved_unix_ns, static_cast<std::uint32_t>(file.endpoints.size()));
  for (const EndpointRecord& record : file.endpoints) writer.Add(record);
  return writer.Finish();
}

bool DecodeStateFile(std::string_view bytes, StateFile* out, std::string* error) {
  constexpr std::size_t kTrailer = sizeof(std::uint64_t);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    *error = "not a latencyd state file";
    return false;
  }
  Reader in(bytes.substr(0, bytes.size() < kTrailer ? 0 : bytes.size() - kTrailer));
  char magic[sizeof kMagic];
  std::uint32_t version = 0, byte_order = 0, count = 0;
  if (!in.Get(&magic) || !in.Get(&version)) {
    *error = "truncated header";
    return false;
  }
  if (version != kStateFileVersion) {
    *error =
        "version " + std::to_string(version) + ", expected " + std::to_string(kStateFileVersion);
    return false;
  }
  if (!in.Get(&byte_order) || byte_order != kByteOrderMark || !in.Get(&out->saved_unix_ns) ||
      !in.Get(&count) || count > kMaxEndpoints) {
    *error = "bad header";
    return false;
  }
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - kTrailer, kTrailer);
  if (stored != Fnv1a(0xcbf29ce484222325ull, bytes.data(), bytes.size() - kTrailer)) {
    *error = "checksum mismatch (truncated or corrupt)";
    return false;
  }
  out->endpoints.clear();
  out->endpoints.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    EndpointRecord record;
    if (!ReadEndpoint(in, &record)) {
      *error = "truncated at byte " + std::to_string(in.offset()) + " (endpoint " +
               std::to_string(i) + ")";
      return false;
    }
    out->endpoints.push_back(std::move(record));
  }
  if (in.offset() != bytes.size() - kTrailer) {
    *error = "trailing bytes after " + std::to_string(count) + " endpoints";
    return false;
  }
  return true;
}

}  // namespace latencyd
