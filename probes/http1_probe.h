// One probe over latencyd's own plain-HTTP/1.1 client: a fresh non-blocking connection to an
// IP literal (Http1Target), driven by a worker's epoll loop. It makes the few system calls a
// raw client makes (socket, setsockopt, connect, send, recv, close, and the loop's epoll_ctl)
// where libcurl's connection path makes about twenty, and reports exactly what a libcurl
// transfer of the same probe would: the same phases (SocketStamps), failure reasons and
// messages (ClassifyFailure), skip causes and limits. bench/README.md has the measurements.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>

#include "probes/http1_response.h"
#include "probes/http1_target.h"
#include "probes/phases.h"
#include "probes/probe_engine.h"

namespace latencyd::probes {

// Not thread-safe: owned and used by one worker thread.
class Http1Probe {
 public:
  enum class State {
    kRunning,     // waiting for its socket or its deadline
    kDone,        // result() holds the result
    kUseLibcurl,  // the response was a redirect to follow: run the probe with libcurl instead
  };

  Http1Probe(std::shared_ptr<const PreparedProbe> probe, ProbeEngine::Callback done,
             SteadyTime deadline);
  ~Http1Probe();  // closes the socket if still open
  Http1Probe(const Http1Probe&) = delete;
  Http1Probe& operator=(const Http1Probe&) = delete;

  // Opens the socket, registers it in `epoll_fd` with `data` as its event data, connects and,
  // when the connection is up at once (loopback), sends the request.
  State Start(int epoll_fd, epoll_data_t data);
  // The socket's epoll events.
  State OnEvents(std::uint32_t events);
  // The deadline has passed.
  State OnDeadline();

  SteadyTime deadline() const { return deadline_; }
  // The deadline the engine was given, for a hand-over to libcurl.
  SteadyTime engine_deadline() const { return engine_deadline_; }
  const ProbeResult& result() const { return result_; }
  bool request_sent() const { return sent_ == target_.request.size(); }
  std::shared_ptr<const PreparedProbe>& probe() { return probe_; }
  ProbeEngine::Callback& callback() { return done_; }

  // Position in the worker's deadline heap (for O(log n) removal).
  std::size_t heap_index = 0;

 private:
  // The connection came up (and the request went, or is going, out).
  bool connected() const { return stamps_.connected != SteadyTime{}; }
  State Connected();
  State ConnectFailed(int error);
  State Send();
  State Receive();
  // Ends the probe: `curl_code` is the CURLcode a libcurl transfer would have ended with,
  // `detail` its error text.
  State Finish(int curl_code, const std::string& detail);
  State Skip(SkipCause cause, const std::string& why);
  // Fills the result's reason and error (ClassifyFailure, as for a libcurl transfer).
  void Classify(int curl_code, const std::string& detail);
  void CloseSocket();

  std::shared_ptr<const PreparedProbe> probe_;
  const Http1Target& target_;
  ProbeEngine::Callback done_;
  SteadyTime started_;
  SteadyTime engine_deadline_;
  long timeout_ms_;  // the deadline in force, as libcurl's messages state it
  SteadyTime deadline_;
  int fd_ = -1;
  int epoll_fd_ = -1;
  epoll_data_t epoll_data_{};
  int send_error_ = 0;  // errno of a failed send, 0 if none
  std::size_t sent_ = 0;
  SocketStamps stamps_;
  Http1Response response_;
  ProbeResult result_;
};

}  // namespace latencyd::probes
