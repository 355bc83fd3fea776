// One event loop of the probe engine: a thread owning a libcurl multi handle, fed through a
// mutex-protected queue and woken with curl_multi_wakeup.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

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
  // The loop's last turn; while it sleeps in poll, the current time up to when it meant to
  // wake. Falls behind only when the loop is busy (or stuck) outside poll.
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
  void Sleep(SteadyTime now, int sleep_ms);  // in curl_multi_poll, marked asleep
  void Start(Pending& pending);
  void ReapFinished();
  void Complete(Transfer* transfer, const ProbeResult& result);
  void AbortAll();

  void* multi_ = nullptr;  // CURLM*, opaque here
  std::thread thread_;
  std::mutex join_mu_;  // serialises concurrent Join calls

  std::mutex mu_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  bool closed_ = false;         // guarded by mu_: multi_ is gone, do not wake it

  std::atomic<std::size_t> in_flight_{0};
  std::atomic<SteadyTime::rep> heartbeat_;
  static constexpr SteadyTime::rep kAwake = 0;
  std::atomic<SteadyTime::rep> asleep_until_{kAwake};  // planned wake time while in poll

  // Loop thread only.
  std::vector<Pending> delayed_;   // min-heap by start_at; every submission passes through
  std::vector<Transfer*> active_;  // owned; removed from the multi on stop
  struct FinishedTransfer {
    void* easy;  // CURL*
    int code;    // CURLcode
  };
  std::vector<FinishedTransfer> finished_;  // ReapFinished's batch, kept for its capacity
  TransferPool pool_;                       // easy handles ready for reuse
};

}  // namespace latencyd::probes
