// One event loop of the probe engine: a thread owning a libcurl multi handle driven through
// libcurl's event API (curl_multi_socket_action) and the probes of latencyd's own plain-HTTP
// client (http1_probe.h), both from the loop's own epoll set, fed through a mutex-protected
// queue and woken with an eventfd.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "probes/deadline_heap.h"
#include "probes/http1_probe.h"
#include "probes/probe_engine.h"
#include "probes/transfer.h"
#include "probes/transfer_pool.h"

namespace latencyd::probes {

// Thread-safe: Submit, RequestStop, Join, in_flight and heartbeat may be called from any
// thread; everything else runs on the loop's own thread.
class ProbeEngine::Worker {
 public:
  explicit Worker(int max_idle_connections);
  ~Worker();  // RequestStop() + Join()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  struct Pending {
    std::shared_ptr<const PreparedProbe> probe;
    Callback done;
    SteadyTime deadline;
    SteadyTime start_at;                                 // SteadyTime::min(): at once
    std::shared_ptr<const std::atomic<bool>> cancelled;  // may be null
  };
  void Submit(Pending pending);
  void RequestStop();
  void Join();

  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // The loop's last turn; while it sleeps in epoll_wait, the current time up to when it meant to
  // wake. Falls behind only when the loop is busy (or stuck) outside epoll_wait.
  SteadyTime heartbeat() const;

 private:
  static bool StartsLater(const Pending& a, const Pending& b);
  void Loop();
  void Delay(Pending pending);  // into delayed_, started by TakeDue when its time comes
  // Moves every delayed submission whose start time is at or before `now` into `ready`.
  void TakeDue(SteadyTime now, std::vector<Pending>& ready);
  // How long the loop may sleep before the next delayed start, in ms: 0 when one is due,
  // at most `cap_ms`.
  int MsUntilNextStart(SteadyTime now, int cap_ms) const;
  // How long until libcurl's timer (CURLMOPT_TIMERFUNCTION) is due, in ms: 0 when due, at most
  // `cap_ms`.
  int MsUntilCurlTimer(SteadyTime now, int cap_ms) const;
  // Waits in epoll_wait for socket events, a wake-up or `wait_ms` (marked asleep when > 0);
  // returns the number of events in events_.
  int Wait(SteadyTime now, int wait_ms);
  // How long until the earliest deadline of the loop's own HTTP/1.1 probes, in ms: 0 when one
  // has passed, at most `cap_ms`.
  int MsUntilHttp1Deadline(SteadyTime now, int cap_ms) const;
  // Hands each socket event of the last wait to libcurl or to the HTTP/1.1 probe it belongs
  // to; drains the wake-up eventfd.
  void HandleEvents(int count);
  // Runs libcurl's expired timers (new transfers' first step among them) when one is due.
  void RunTimers(SteadyTime now);
  // Ends the HTTP/1.1 probes whose deadline has passed.
  void ExpireHttp1(SteadyTime now);
  void Start(Pending& pending);
  void StartTransfer(Pending& pending);  // with libcurl
  void StartHttp1(Pending& pending);     // with latencyd's own client (http1_probe.h)
  // Acts on what an HTTP/1.1 probe's step left it in: done (callback), handed to libcurl, or
  // still running.
  void AfterHttp1Step(Http1Probe* probe, Http1Probe::State state);
  void ReapFinished();
  // libcurl's CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION.
  static int OnSocket(void* easy, int fd, int what, void* self, void* socket_state);
  static int OnTimer(void* multi, long timeout_ms, void* self);
  void WatchSocket(int fd, int what, bool watched);
  void Complete(Transfer* transfer, const ProbeResult& result);
  void AbortAll();

  void* multi_ = nullptr;  // CURLM*, opaque here
  int epoll_fd_ = -1;      // the sockets libcurl asked to watch, and wake_fd_
  int wake_fd_ = -1;       // eventfd: a submission or a stop request
  std::thread thread_;
  std::mutex join_mu_;  // serialises concurrent Join calls

  std::mutex mu_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  bool closed_ = false;         // guarded by mu_: the loop has ended, do not wake it

  std::atomic<std::size_t> in_flight_{0};
  std::atomic<SteadyTime::rep> heartbeat_;
  static constexpr SteadyTime::rep kAwake = 0;
  std::atomic<SteadyTime::rep> asleep_until_{kAwake};  // planned wake time while in epoll_wait

  // Loop thread only.
  static constexpr SteadyTime kNoTimer = SteadyTime::max();
  SteadyTime curl_timer_ = kNoTimer;  // when libcurl wants curl_multi_socket_action(TIMEOUT)
  std::vector<Pending> delayed_;      // min-heap by start_at; every submission passes through
  std::vector<Transfer*> active_;     // owned; removed from the multi on stop
  struct FinishedTransfer {
    void* easy;  // CURL*
    int code;    // CURLcode
  };
  std::vector<FinishedTransfer> finished_;  // ReapFinished's batch, kept for its capacity
  TransferPool pool_;                       // easy handles ready for reuse
  DeadlineHeap http1_;                      // the running Http1Probes (owned)
  struct EventBuffer;                       // epoll_event[], kept out of this header
  std::unique_ptr<EventBuffer> events_;
};

}  // namespace latencyd::probes
