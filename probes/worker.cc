// ProbeEngine::Worker: the event loop (queue -> own client or multi -> callbacks) and the
// easy-handle pool.
#include "probes/worker.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <memory>
#include <string>

#include "probes/prepared_probe_internal.h"

namespace latencyd::probes {
namespace {

// The longest a loop sleeps when it has nothing due: a loop waits for its next start time,
// a socket event, libcurl's own timers or a submission's wake-up, and sleeping longer saves
// the turns an idle loop would pay (about 70 µs each in a VM). While asleep it reads as alive
// (heartbeat()), so this is no watchdog bound; it only limits how long a lost wake-up could
// hold a submission back.
constexpr int kMaxSleepMs = 30000;
// Idle easy handles kept per loop (about 25 KiB each): every endpoint of a loop with up to
// this many keeps its own, already configured handle; beyond that, handles pass from probe to
// probe and the pool keeps what the last trim period's peak needed (TransferPool::Trim).
constexpr std::size_t kMaxIdleTransfers = 512;
// Socket events taken from the kernel per epoll_wait; more simply wait for the next turn.
constexpr int kMaxEventsPerTurn = 256;

SteadyTime::rep NowTicks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

// The worker whose loop runs on this thread, if any: a probe's callback that submits the
// endpoint's next probe (the scheduler's chain) then hands it over without lock or wake-up.
thread_local const void* current_loop = nullptr;

// Less than half the timeout left before the deadline: the probe would be judged by the
// loop's lateness, not by the target (probes/README.md, "Deadlines").
bool StartsTooLate(const PreparedProbe& probe, SteadyTime deadline) {
  if (deadline == SteadyTime::max()) return false;
  return deadline - std::chrono::steady_clock::now() < probe.spec().timeout / 2;
}

std::string LateMessage(const PreparedProbe& probe, SteadyTime deadline) {
  using std::chrono::milliseconds;
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  const auto timeout = std::chrono::duration_cast<milliseconds>(probe.spec().timeout);
  return "skipped: started " + std::to_string(std::max<std::int64_t>(left.count(), 0)) +
         " ms before its deadline, less than half its timeout (" + std::to_string(timeout.count()) +
         " ms); latencyd was late, not the target";
}

// What an epoll event's data says: an HTTP/1.1 probe's address (`ptr`), or a descriptor with
// the top bit set (libcurl's sockets, the eventfd). User-space addresses on Linux never have
// the top bit set, so the two cannot be confused.
constexpr std::uint64_t kFdBit = std::uint64_t{1} << 63;
epoll_data_t DataOfFd(int fd) {
  epoll_data_t data{};
  data.u64 = kFdBit | static_cast<std::uint32_t>(fd);
  return data;
}
epoll_data_t DataOfHttp1(Http1Probe* probe) {
  epoll_data_t data{};
  data.ptr = probe;
  return data;
}
bool IsFd(const epoll_data_t& data) { return (data.u64 & kFdBit) != 0; }
int FdOf(const epoll_data_t& data) { return static_cast<int>(data.u64 & 0xffffffffu); }

// Wakes a loop waiting in epoll_wait (its eventfd becomes readable).
void Wake(int wake_fd) {
  const std::uint64_t one = 1;
  // EAGAIN only when the counter is near overflow: a wake-up is pending anyway.
  [[maybe_unused]] ssize_t written = write(wake_fd, &one, sizeof one);
}

void RunCallback(const ProbeEngine::Callback& done, const ProbeResult& result) {
  if (!done) return;
  try {
    done(result);
  } catch (...) {
    // A throwing callback must not take the loop (and every other probe) down with it.
    std::fputs("latencyd probes: a probe callback threw; ignored\n", stderr);
  }
}

}  // namespace

// Debug builds check that the loop-only methods (worker.h: "everything else runs on the
// loop's own thread") really run there: the multi handle, the delayed heap, the active
// transfers and the pool have no lock, so a call from another thread would be a data race.
#define LATENCYD_ASSERT_ON_LOOP_THREAD() assert(current_loop == this)

struct ProbeEngine::Worker::EventBuffer {
  std::array<epoll_event, kMaxEventsPerTurn> events;
};

// The loop drives libcurl through its event API rather than curl_multi_perform and
// curl_multi_poll: libcurl tells the loop which sockets to watch (OnSocket) and when its next
// timer is due (OnTimer), and the loop hands it each socket event as it comes. So a turn
// touches only the transfers whose sockets are ready, and libcurl skips the poll(0) it
// otherwise makes per transfer to find out what is readable (bench/README.md, "The event
// API": fewer syscalls and less CPU per probe, and the response reaches libcurl one step
// sooner).
ProbeEngine::Worker::Worker(int max_idle_connections)
    : heartbeat_(NowTicks()),
      pool_(kMaxIdleTransfers, std::chrono::steady_clock::now()),
      events_(new EventBuffer) {
  CURLM* multi = curl_multi_init();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data = DataOfFd(wake_fd_);
  if (multi == nullptr || epoll_fd_ < 0 || wake_fd_ < 0 ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0) {
    if (multi != nullptr) curl_multi_cleanup(multi);
    multi = nullptr;  // the loop ends at once; submissions are dropped, as after Stop()
  } else {
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Worker::OnSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Worker::OnTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    if (max_idle_connections > 0) {
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(max_idle_connections));
    }
  }
  multi_ = multi;
  thread_ = std::thread([this] { Loop(); });
}

ProbeEngine::Worker::~Worker() {
  RequestStop();
  Join();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void ProbeEngine::Worker::Submit(Pending pending) {
  if (current_loop == this) {
    // On the loop's own thread (a callback): the loop computes its sleep after running the
    // callbacks, so it sees this start time without a wake-up (an eventfd write, an
    // epoll_wait return and an idle turn per probe). Stopping drops it with the rest of delayed_.
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    Delay(std::move(pending));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || closed_) return;  // documented: dropped without a callback
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  const bool was_empty = queue_.empty();
  queue_.push_back(std::move(pending));
  // A non-empty queue already has a wake-up pending; skipping it saves a syscall per probe.
  if (was_empty) Wake(wake_fd_);
}

void ProbeEngine::Worker::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  if (!closed_ && wake_fd_ >= 0) Wake(wake_fd_);
}

void ProbeEngine::Worker::Join() {
  std::lock_guard<std::mutex> lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

SteadyTime ProbeEngine::Worker::heartbeat() const {
  // Acquire pairs with Wait's release: awake here means the stamp after the sleep is seen.
  const SteadyTime::rep asleep_until = asleep_until_.load(std::memory_order_acquire);
  const SteadyTime last_turn{SteadyTime::duration(heartbeat_.load(std::memory_order_relaxed))};
  if (asleep_until == kAwake) return last_turn;
  // Asleep in poll: alive until the time it meant to wake at, stale from then on.
  const SteadyTime wake{SteadyTime::duration(asleep_until)};
  return std::max(last_turn, std::min(std::chrono::steady_clock::now(), wake));
}

bool ProbeEngine::Worker::StartsLater(const Pending& a, const Pending& b) {
  return a.start_at > b.start_at;  // std heap functions keep the earliest start on top
}

void ProbeEngine::Worker::Delay(Pending pending) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  delayed_.push_back(std::move(pending));
  std::push_heap(delayed_.begin(), delayed_.end(), StartsLater);
}

void ProbeEngine::Worker::TakeDue(SteadyTime now, std::vector<Pending>& ready) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  while (!delayed_.empty() && delayed_.front().start_at <= now) {
    std::pop_heap(delayed_.begin(), delayed_.end(), StartsLater);
    ready.push_back(std::move(delayed_.back()));
    delayed_.pop_back();
  }
}

int ProbeEngine::Worker::MsUntilNextStart(SteadyTime now, int cap_ms) const {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (delayed_.empty()) return cap_ms;
  if (delayed_.front().start_at <= now) return 0;
  // Rounded up: the loop wakes at or just after the start time, never spins before it.
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(delayed_.front().start_at - now);
  return static_cast<int>(std::min<std::int64_t>(wait.count(), cap_ms));
}

int ProbeEngine::Worker::MsUntilCurlTimer(SteadyTime now, int cap_ms) const {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (curl_timer_ == kNoTimer) return cap_ms;
  if (curl_timer_ <= now) return 0;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(curl_timer_ - now);
  return static_cast<int>(std::min<std::int64_t>(wait.count(), cap_ms));
}

void ProbeEngine::Worker::Loop() {
  current_loop = this;
  std::vector<Pending> batch;
  std::vector<Pending> ready;
  int events = 0;
  while (multi_ != nullptr) {
    heartbeat_.store(NowTicks(), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      batch.swap(queue_);
    }
    // Finish what is ready before setting up new requests: their setup would otherwise be
    // charged to the latency of every response already waiting on its socket.
    HandleEvents(events);
    for (Pending& pending : batch) Delay(std::move(pending));
    batch.clear();
    TakeDue(std::chrono::steady_clock::now(), ready);
    for (Pending& pending : ready) Start(pending);
    ready.clear();
    // Adding a transfer set libcurl's timer to "now": this sends the new requests' first
    // packets at once, and runs any of libcurl's timers that are due (timeouts among them).
    RunTimers(std::chrono::steady_clock::now());
    ExpireHttp1(std::chrono::steady_clock::now());
    // After the callbacks, which may have delayed their endpoints' next probes.
    const SteadyTime now = std::chrono::steady_clock::now();
    pool_.Trim(now);
    events = Wait(
        now, MsUntilHttp1Deadline(now, MsUntilCurlTimer(now, MsUntilNextStart(now, kMaxSleepMs))));
  }
  AbortAll();
  current_loop = nullptr;
}

int ProbeEngine::Worker::MsUntilHttp1Deadline(SteadyTime now, int cap_ms) const {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (http1_.empty()) return cap_ms;
  const SteadyTime deadline = http1_.top()->deadline();
  if (deadline <= now) return 0;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
  return static_cast<int>(std::min<std::int64_t>(wait.count(), cap_ms));
}

int ProbeEngine::Worker::Wait(SteadyTime now, int wait_ms) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (wait_ms > 0) {
    asleep_until_.store((now + std::chrono::milliseconds(wait_ms)).time_since_epoch().count(),
                        std::memory_order_relaxed);
  }
  int count = epoll_wait(epoll_fd_, events_->events.data(), kMaxEventsPerTurn, wait_ms);
  if (wait_ms > 0) {
    // Stamped before leaving the asleep state, so that heartbeat() never reads the turn before
    // the sleep (up to 30 s old) as the current one.
    heartbeat_.store(NowTicks(), std::memory_order_relaxed);
    asleep_until_.store(kAwake, std::memory_order_release);
  }
  return count < 0 ? 0 : count;  // EINTR: nothing happened, the next turn looks again
}

void ProbeEngine::Worker::HandleEvents(int count) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (int i = 0; i < count; ++i) {
    const epoll_event& event = events_->events[i];
    if (!IsFd(event.data)) {
      auto* probe = static_cast<Http1Probe*>(event.data.ptr);
      AfterHttp1Step(probe, probe->OnEvents(event.events));
      continue;
    }
    const int fd = FdOf(event.data);
    if (fd == wake_fd_) {
      std::uint64_t wakes = 0;
      [[maybe_unused]] ssize_t read_bytes = read(wake_fd_, &wakes, sizeof wakes);
      continue;
    }
    int mask = 0;
    if (event.events & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (event.events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (event.events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
    int running = 0;
    // A descriptor closed by an earlier event's transfer in this batch (and perhaps reused
    // by a new socket) only costs libcurl a look that finds nothing to read.
    curl_multi_socket_action(multi, fd, mask, &running);
  }
  if (count > 0) ReapFinished();
}

void ProbeEngine::Worker::RunTimers(SteadyTime now) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (curl_timer_ == kNoTimer || curl_timer_ > now) return;
  curl_timer_ = kNoTimer;  // libcurl sets the next one from inside the call
  int running = 0;
  curl_multi_socket_action(static_cast<CURLM*>(multi_), CURL_SOCKET_TIMEOUT, 0, &running);
  ReapFinished();
}

void ProbeEngine::Worker::ExpireHttp1(SteadyTime now) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  while (!http1_.empty() && http1_.top()->deadline() <= now) {
    Http1Probe* probe = http1_.top();
    AfterHttp1Step(probe, probe->OnDeadline());
  }
}

int ProbeEngine::Worker::OnTimer(void* /*multi*/, long timeout_ms, void* self) {
  auto* worker = static_cast<Worker*>(self);
  worker->curl_timer_ =
      timeout_ms < 0 ? kNoTimer
                     : std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

int ProbeEngine::Worker::OnSocket(void* /*easy*/, int fd, int what, void* self,
                                  void* socket_state) {
  static_cast<Worker*>(self)->WatchSocket(fd, what, socket_state != nullptr);
  return 0;
}

// `watched`: this socket is in the epoll set already (marked with curl_multi_assign).
void ProbeEngine::Worker::WatchSocket(int fd, int what, bool watched) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  if (what == CURL_POLL_REMOVE) {
    // libcurl says so before it closes the socket; once closed, the kernel drops it anyway.
    // libcurl forgets the socket (and what curl_multi_assign attached) right after.
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    return;
  }
  epoll_event event{};
  if (what & CURL_POLL_IN) event.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) event.events |= EPOLLOUT;
  event.data = DataOfFd(fd);
  int op = watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd_, op, fd, &event) != 0) {
    // The set and libcurl's view disagree (a descriptor number closed and reused behind
    // libcurl's back): take the other operation rather than lose the socket's events.
    op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epoll_fd_, op, fd, &event) != 0) return;
  }
  if (!watched) curl_multi_assign(multi, fd, this);
}

void ProbeEngine::Worker::Start(Pending& pending) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (pending.cancelled && pending.cancelled->load()) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);  // dropped, as documented
    return;
  }
  if (pending.probe && StartsTooLate(*pending.probe, pending.deadline)) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (pending.done)
      pending.done(Transfer::Skipped(SkipCause::kStartedLate,
                                     LateMessage(*pending.probe, pending.deadline)));
    return;
  }
  if (pending.probe && pending.probe->compiled().http1 &&
      !pending.probe->compiled().http1_redirected.load(std::memory_order_relaxed)) {
    StartHttp1(pending);
  } else {
    StartTransfer(pending);
  }
}

void ProbeEngine::Worker::StartHttp1(Pending& pending) {
  auto* probe = new Http1Probe(std::move(pending.probe), std::move(pending.done), pending.deadline);
  http1_.Push(probe);
  AfterHttp1Step(probe, probe->Start(epoll_fd_, DataOfHttp1(probe)));
}

void ProbeEngine::Worker::AfterHttp1Step(Http1Probe* probe, Http1Probe::State state) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  if (state == Http1Probe::State::kRunning) return;
  http1_.Remove(probe);
  std::unique_ptr<Http1Probe> owned(probe);
  if (state == Http1Probe::State::kUseLibcurl) {
    // A redirect to follow: libcurl runs this probe (still in flight) and every later one.
    owned->probe()->compiled().http1_redirected.store(true, std::memory_order_relaxed);
    // Within the deadline this probe started with, not a fresh timeout.
    Pending handed{std::move(owned->probe()), std::move(owned->callback()),
                   std::min(owned->engine_deadline(), owned->deadline()), SteadyTime::min(),
                   nullptr};
    StartTransfer(handed);
    return;
  }
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  // Its socket is closed already; the probe goes when the callback has read its result.
  RunCallback(owned->callback(), owned->result());
}

void ProbeEngine::Worker::StartTransfer(Pending& pending) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  Transfer* t = pending.probe ? pool_.Take(pending.probe.get()) : nullptr;
  if (t == nullptr) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    ProbeResult r =
        Transfer::NotStarted(pending.probe ? "cannot create a libcurl handle" : "no probe");
    if (pending.done) pending.done(r);
    return;
  }
  t->active_index = active_.size();
  active_.push_back(t);
  if (!t->Prepare(std::move(pending.probe), std::move(pending.done))) {
    Complete(t, Transfer::NotStarted("libcurl rejected the request (bad URL?)"));
    return;
  }
  t->MarkStarted();
  t->LimitDeadline(pending.deadline);
  if (curl_multi_add_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(t->easy())) !=
      CURLM_OK) {
    Complete(t, Transfer::NotStarted("curl_multi_add_handle failed"));
  }
}

// Reads every finished transfer's message before removing any handle: libcurl 7.88's
// curl_multi_remove_handle walks the multi's list of unread messages, so removing each handle
// right after reading its message costs O(k^2) for k transfers that finished in one turn; at
// 10,000 probes/s on a busy machine that walk was a tenth of the daemon's CPU
// (bench/README.md).
void ProbeEngine::Worker::ReapFinished() {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  CURLM* multi = static_cast<CURLM*>(multi_);
  int left = 0;
  finished_.clear();
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    finished_.push_back({msg->easy_handle, static_cast<int>(msg->data.result)});
  }
  for (const FinishedTransfer& f : finished_) {
    Transfer* t = nullptr;
    curl_easy_getinfo(static_cast<CURL*>(f.easy), CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    ProbeResult result = t->Finish(f.code);
    curl_multi_remove_handle(multi, static_cast<CURL*>(f.easy));
    Complete(t, result);
  }
  finished_.clear();
}

// Removes `t` from the active list, recycles it, then runs the callback (which may Submit).
void ProbeEngine::Worker::Complete(Transfer* t, const ProbeResult& result) {
  LATENCYD_ASSERT_ON_LOOP_THREAD();
  Transfer* last = active_.back();
  last->active_index = t->active_index;
  active_[t->active_index] = last;
  active_.pop_back();
  Callback done = t->Release();
  pool_.Give(t);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  RunCallback(done, result);
}

void ProbeEngine::Worker::AbortAll() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (Transfer* t : active_) {
    if (multi != nullptr) curl_multi_remove_handle(multi, static_cast<CURL*>(t->easy()));
    t->Release();  // the callback is dropped, as Stop() promises
    delete t;
  }
  active_.clear();
  for (Http1Probe* probe : http1_.all()) delete probe;  // callbacks dropped too
  http1_.Clear();
  pool_.Clear();
  delayed_.clear();  // not started yet: dropped without callbacks too
  std::vector<Pending> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(queue_);
    closed_ = true;
  }
  in_flight_.store(0, std::memory_order_relaxed);
  if (multi != nullptr) curl_multi_cleanup(multi);
}

}  // namespace latencyd::probes
