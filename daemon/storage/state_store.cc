#include "daemon/storage/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/log.h"
#include "daemon/schedule/monitor.h"
#include "daemon/storage/settings_fingerprint.h"

namespace latencyd {
namespace {

constexpr char kFileName[] = "latencyd.state";

std::int64_t Nanos(SteadyTime t) { return t.time_since_epoch().count(); }
std::int64_t Nanos(probes::WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Moves between the process's steady clock and unix time using one pair of readings.
struct ClockPair {
  std::int64_t steady_ns;
  std::int64_t wall_ns;
  std::int64_t ToUnix(std::int64_t steady) const { return wall_ns - (steady_ns - steady); }
  std::int64_t ToSteady(std::int64_t unix_ns) const { return steady_ns - (wall_ns - unix_ns); }
};

EndpointRecord ToRecord(const config::Endpoint& endpoint, const EndpointState& state,
                        const ClockPair& clocks) {
  EndpointState::Persisted persisted = state.Persist();
  EndpointRecord record;
  record.name = endpoint.name;
  record.settings = SettingsFingerprint(endpoint);
  record.samples = std::move(persisted.samples);
  for (LatencyWindow::Sample& sample : record.samples) sample.at_ns = clocks.ToUnix(sample.at_ns);
  record.open_bucket_index = persisted.open_bucket_index;
  record.open_counts = persisted.open_counts;
  record.open_bucket_since_unix_ns = clocks.ToUnix(persisted.open_bucket_since_ns);
  record.closed_buckets = std::move(persisted.closed_buckets);
  record.last = std::move(persisted.last);
  record.detector = persisted.detector;
  return record;
}

bool WriteAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The directory entry of a rename is durable only once the directory itself is synced.
void SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

StateStore::StateStore(std::string dir) : dir_(std::move(dir)), path_(dir_ + "/" + kFileName) {}

void StateStore::Load() {
  std::lock_guard<std::mutex> lock(restore_mu_);
  loaded_.clear();
  // systemd creates its StateDirectory; a directory named by hand may not exist yet.
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    log::Warn("cannot create the storage directory",
              {{"path", dir_}, {"err", std::strerror(errno)}});
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    log::Info("no saved endpoint state, starting empty", {{"path", path_}});
    return;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  StateFile file;
  std::string error;
  if (!DecodeStateFile(bytes.str(), &file, &error)) {
    log::Warn("ignoring the saved endpoint state", {{"path", path_}, {"err", error}});
    return;
  }
  loaded_total_ = file.endpoints.size();
  for (EndpointRecord& record : file.endpoints) {
    std::string name = record.name;
    loaded_.emplace(std::move(name), std::move(record));
  }
}

bool StateStore::RestoreInto(const config::Endpoint& endpoint, EndpointState& state,
                             SteadyTime now_steady, probes::WallTime now_wall) {
  std::lock_guard<std::mutex> lock(restore_mu_);
  auto found = loaded_.find(endpoint.name);
  if (found == loaded_.end()) {
    ++summary_.not_in_file;
    return false;
  }
  const EndpointRecord& record = found->second;
  if (record.settings != SettingsFingerprint(endpoint)) {
    ++summary_.settings_changed;
    return false;
  }
  const ClockPair clocks{Nanos(now_steady), Nanos(now_wall)};
  EndpointState::Persisted persisted;
  for (LatencyWindow::Sample sample : record.samples) {
    // Only samples still inside the window now; a clock stepped back keeps them at "now".
    const std::int64_t age = clocks.wall_ns - sample.at_ns;
    if (age >= endpoint.window.count()) {
      ++summary_.samples_expired;
      continue;
    }
    sample.at_ns = clocks.ToSteady(std::min(sample.at_ns, clocks.wall_ns));
    persisted.samples.push_back(sample);
  }
  persisted.open_bucket_index = record.open_bucket_index;
  persisted.open_counts = record.open_counts;
  persisted.closed_buckets = record.closed_buckets;
  persisted.open_bucket_since_ns = clocks.ToSteady(record.open_bucket_since_unix_ns);
  persisted.last = record.last;
  persisted.detector = record.detector;
  summary_.samples += persisted.samples.size();
  ++summary_.restored;
  state.Restore(persisted);
  return true;
}

RestoreSummary StateStore::FinishRestore() {
  std::lock_guard<std::mutex> lock(restore_mu_);
  if (loaded_total_ > 0) {
    const std::size_t unknown = loaded_total_ - summary_.restored - summary_.settings_changed;
    const bool any = summary_.restored > 0;
    log::Write(any ? log::Level::kInfo : log::Level::kWarn,
               any ? "restored saved endpoint state"
                   : "ignoring the saved endpoint state: no endpoint matches",
               {{"path", path_},
                {"restored", std::to_string(summary_.restored)},
                {"settings_changed", std::to_string(summary_.settings_changed)},
                {"not_in_file", std::to_string(summary_.not_in_file)},
                {"not_configured", std::to_string(unknown)},
                {"samples", std::to_string(summary_.samples)},
                {"samples_expired", std::to_string(summary_.samples_expired)}});
  }
  loaded_.clear();
  return summary_;
}

bool StateStore::Checkpoint(const Monitor& monitor) {
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  const ClockPair clocks{Nanos(std::chrono::steady_clock::now()),
                         Nanos(std::chrono::system_clock::now())};
  const std::string temp = path_ + ".tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    log::Warn("cannot save endpoint state", {{"path", temp}, {"err", std::strerror(errno)}});
    return false;
  }
  bool ok = true;
  std::size_t count = 0;
  monitor.VisitEndpoints([&count](const config::Endpoint&, const EndpointState&) { ++count; });
  StateFileWriter writer(clocks.wall_ns, static_cast<std::uint32_t>(count));
  std::size_t written = 0;
  // One endpoint at a time: memory stays at one endpoint's worth, not the whole file's. The
  // count was taken first; a reload in between changes the set, so count what is written.
  monitor.VisitEndpoints([&](const config::Endpoint& endpoint, const EndpointState& state) {
    if (!ok || written == count) return;
    writer.Add(ToRecord(endpoint, state, clocks));
    ++written;
    ok = WriteAll(fd, writer.TakeBytes());
  });
  ok = ok && written == count && WriteAll(fd, writer.Finish()) && fsync(fd) == 0;
  const int saved_errno = errno;
  close(fd);
  if (!ok || rename(temp.c_str(), path_.c_str()) != 0) {
    log::Warn("cannot save endpoint state",
              {{"path", path_},
               {"err", written != count ? "the endpoints changed while saving"
                                        : std::strerror(ok ? errno : saved_errno)}});
    unlink(temp.c_str());
    return false;
  }
  SyncDirectory(dir_);
  log::Debug("saved endpoint state", {{"path", path_}, {"endpoints", std::to_string(count)}});
  return true;
}

PeriodicCheckpoint::PeriodicCheckpoint(StateStore& store, const Monitor& monitor,
                                       std::chrono::milliseconds interval) {
  thread_ = std::thread([this, &store, &monitor, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      store.Checkpoint(monitor);
      lock.lock();
    }
  });
}

PeriodicCheckpoint::~PeriodicCheckpoint() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string DefaultStoragePath() {
  const char* state_directory = std::getenv("STATE_DIRECTORY");
  if (state_directory == nullptr) return "";
  // systemd lists one path per StateDirectory= entry, separated by colons.
  const std::string paths = state_directory;
  return paths.substr(0, paths.find(':'));
}

}  // namespace latencyd
