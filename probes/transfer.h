// One libcurl easy handle and the state of the probe running on it; reused from probe to probe
// by a worker's pool (transfer_pool.h) so that starting a probe allocates almost nothing, and
// starting the same probe again sets no options at all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "probes/phases.h"
#include "probes/probe_engine.h"
#include "probes/tls_hook.h"

namespace latencyd::probes {

// Not thread-safe: owned and used by one worker thread.
class Transfer {
 public:
  Transfer();  // creates the easy handle; valid() says whether that worked
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  bool valid() const { return easy_ != nullptr; }
  void* easy() const { return easy_; }  // CURL*, opaque here

  // Configures the handle for `probe` (request, limits, TLS, callbacks), unless it already is
  // from the probe's last run. False when libcurl rejects an option; the transfer is then not
  // started.
  bool Prepare(std::shared_ptr<const PreparedProbe> probe, ProbeEngine::Callback done);
  void MarkStarted();
  // Shortens the total deadline to end at `deadline` when that comes before the spec's
  // timeout (at least 1 ms). Call after MarkStarted.
  void LimitDeadline(SteadyTime deadline);

  // Builds the result from libcurl's report (`curl_code` is the CURLcode of the transfer).
  ProbeResult Finish(int curl_code) const;
  // A result for a probe that could not be started.
  static ProbeResult NotStarted(const std::string& why);
  // A result for a probe not run for a cause of latencyd's own (see SkipCause).
  static ProbeResult Skipped(SkipCause cause, const std::string& why);

  // Hands out the callback and drops the run's state, so the handle can be reused. The
  // handle stays configured for its probe (and keeps it alive: libcurl points into it).
  ProbeEngine::Callback Release();
  // The probe the handle's options are set for; nullptr before the first Prepare.
  const PreparedProbe* configured_for() const { return probe_.get(); }

  // Called by the CURLOPT_OPENSOCKETFUNCTION callback just before it opens a socket.
  void NoteSocketOpening();
  // Called by the CURLOPT_CLOSESOCKETFUNCTION callback just before it closes `fd`: past the
  // deadline, notes whether the target's answer had been waiting unread since before it.
  void NoteSocketClosing(int fd);

  // Position in the worker's list of active transfers (for O(1) removal).
  std::size_t active_index = 0;
  // The last time the pool handed this transfer out, it went to the probe it was configured
  // for: an endpoint's own handle, which TransferPool::Trim keeps, as opposed to one passed
  // from probe to probe.
  bool reused_by_own_probe = false;

 private:
  static std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* self);
  // CURLOPT_PREREQFUNCTION: runs before every request, so before each redirect hop; stamps
  // the connection as ready and applies the redirect policy (see probes/README.md).
  static int OnRequest(void* self, char* primary_ip, char* local_ip, int primary_port,
                       int local_port);
  int ApplyRedirectPolicy();
  bool Configure();
  void SetMethodAndBody(const ProbeSpec& spec);
  void SetTls(const TlsSpec& tls);
  void SetHttpVersion(HttpVersion version);

  void* easy_ = nullptr;
  std::shared_ptr<const PreparedProbe> probe_;  // the configured one, running or idle
  ProbeEngine::Callback done_;
  SteadyTime started_{};
  long timeout_ms_ = 0;  // the deadline in force: the spec's, or shorter (LimitDeadline)
  std::uint64_t max_body_ = 0;
  bool keep_body_ = false;
  std::uint64_t body_bytes_ = 0;
  std::size_t header_bytes_ = 0;
  bool body_too_large_ = false;
  bool headers_too_large_ = false;
  bool head_complete_ = false;    // the last header line seen was the blank one ending a head
  int last_status_ = 0;           // of the last status line seen (a redirect's, during a hop)
  bool seen_https_ = false;       // a request of this run went over https
  bool foreign_headers_ = false;  // the handle holds foreign_header_list, not header_list
  std::string redirect_refused_;  // set when the redirect policy aborted the transfer
  SocketStamps stamps_;           // this run's own clock readings (phases.h)
  bool answer_unread_ = false;    // closed past the deadline with the answer waiting unread
  std::string body_;              // kept only when a regex must be checked
  TlsHookRequest tls_hook_;       // CURLOPT_SSL_CTX_DATA: trust store in, handshake facts out
  char error_[256] = {};          // CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE)
};

}  // namespace latencyd::probes
