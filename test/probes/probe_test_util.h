// Helpers for probe engine tests: run one probe and wait for it, or collect many results.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "probes/probe_engine.h"

namespace latencyd::probes {

// Generous: these are deadlines for a stuck test, not expectations about speed.
inline constexpr auto kTestDeadline = std::chrono::seconds(20);

inline ProbeSpec Spec(const std::string& url) {
  ProbeSpec spec;
  spec.url = url;
  spec.timeout = std::chrono::seconds(5);
  return spec;
}

// The same loopback URL with the host "localhost": a name to resolve, so libcurl runs the
// probe rather than latencyd's own plain-HTTP client, which takes IP literals only
// (probes/README.md, "Two clients").
inline std::string ViaLibcurl(std::string url) {
  const std::string loopback = "//127.0.0.1";
  const std::size_t at = url.find(loopback);
  if (at != std::string::npos) url.replace(at, loopback.size(), "//localhost");
  return url;
}

// Submits an already prepared probe (rerunning the same one lets the loop hand it the handle
// it configured last); the future is fulfilled by the callback.
inline std::future<ProbeResult> SubmitPrepared(ProbeEngine& engine,
                                               std::shared_ptr<const PreparedProbe> probe,
                                               std::uint64_t affinity = 0,
                                               SteadyTime deadline = SteadyTime::max()) {
  auto promise = std::make_shared<std::promise<ProbeResult>>();
  auto future = promise->get_future();
  engine.Submit(
      std::move(probe), affinity, [promise](const ProbeResult& r) { promise->set_value(r); },
      deadline);
  return future;
}

// Submits one probe; the future is fulfilled by the callback.
inline std::future<ProbeResult> SubmitOne(ProbeEngine& engine, ProbeSpec spec,
                                          std::uint64_t affinity = 0) {
  return SubmitPrepared(engine, std::make_shared<const PreparedProbe>(std::move(spec)), affinity);
}

inline ProbeResult Await(std::future<ProbeResult>& future) {
  if (future.wait_for(kTestDeadline) != std::future_status::ready) {
    ADD_FAILURE() << "probe did not complete within the test deadline";
    ProbeResult r;
    r.error = "test deadline";
    return r;
  }
  return future.get();
}

inline ProbeResult RunOne(ProbeEngine& engine, ProbeSpec spec, std::uint64_t affinity = 0) {
  auto future = SubmitOne(engine, std::move(spec), affinity);
  return Await(future);
}

inline ProbeResult RunPrepared(ProbeEngine& engine, std::shared_ptr<const PreparedProbe> probe,
                               SteadyTime deadline = SteadyTime::max()) {
  auto future = SubmitPrepared(engine, std::move(probe), 0, deadline);
  return Await(future);
}

// Thread-safe sink for many callbacks.
class Collector {
 public:
  ProbeEngine::Callback Callback() {
    return [this](const ProbeResult& r) {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back(r);
      cv_.notify_all();
    };
  }
  // True when `n` results arrived before the deadline.
  bool WaitFor(std::size_t n, std::chrono::steady_clock::duration within = kTestDeadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, within, [&] { return results_.size() >= n; });
  }
  std::vector<ProbeResult> results() {
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ProbeResult> results_;
};

inline std::chrono::nanoseconds SumOfPhases(const PhaseTimings& p) {
  return p.dns + p.connect + p.tls + p.ttfb + p.transfer;
}

}  // namespace latencyd::probes
