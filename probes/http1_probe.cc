#include "probes/http1_probe.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "probes/answered_in_time.h"
#include "probes/failure.h"
#include "probes/prepared_probe_internal.h"

namespace latencyd::probes {
namespace {

using std::chrono::steady_clock;

// Read per recv: the loop's responses are small, and one buffer serves every probe of a loop.
constexpr std::size_t kReceiveBuffer = 16 * 1024;
// Reads per event (1 MiB): a large body arriving fast must not keep the loop from its other
// probes.
constexpr int kMaxReadsPerEvent = 64;

std::int64_t MicrosSince(SteadyTime start, SteadyTime t) {
  if (t == SteadyTime{} || t < start) return 0;
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start).count();
}

long MillisSince(SteadyTime start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start).count());
}

// The CURLcode a libcurl transfer ends with when the response parser gave up, so that both
// clients classify the same response the same way: a close before anything is an empty
// reply, a close mid-response a partial one, anything else a response libcurl finds weird.
int CurlCodeFor(Http1Response::Outcome outcome, bool closed, bool got_any_byte) {
  switch (outcome) {
    case Http1Response::Outcome::kMalformed:
      if (!closed) return CURLE_WEIRD_SERVER_REPLY;
      return got_any_byte ? CURLE_PARTIAL_FILE : CURLE_GOT_NOTHING;
    case Http1Response::Outcome::kHeadTooLarge:
    case Http1Response::Outcome::kBodyTooLarge:
      return CURLE_WRITE_ERROR;  // as libcurl's callbacks abort; the flags say why
    default:
      return CURLE_OK;
  }
}

}  // namespace

Http1Probe::Http1Probe(std::shared_ptr<const PreparedProbe> probe, ProbeEngine::Callback done,
                       SteadyTime deadline)
    : probe_(std::move(probe)),
      target_(*probe_->compiled().http1),
      done_(std::move(done)),
      started_(steady_clock::now()),
      engine_deadline_(deadline),
      timeout_ms_(probe_->compiled().timeout_ms),
      response_({kMaxHeaderBytes, probe_->spec().max_body,
                 probe_->compiled().body_regex.has_value(), target_.head_request}) {
  // As Transfer::LimitDeadline: the engine's deadline shortens the spec's timeout, to whole
  // milliseconds and at least one.
  if (deadline != SteadyTime::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started_);
    timeout_ms_ = std::min(timeout_ms_, std::max<long>(1, static_cast<long>(left.count())));
  }
  deadline_ = started_ + std::chrono::milliseconds(timeout_ms_);
}

Http1Probe::~Http1Probe() { CloseSocket(); }

void Http1Probe::CloseSocket() {
  if (fd_ >= 0) ::close(fd_);  // also leaves the epoll set: the descriptor is not shared
  fd_ = -1;
}

Http1Probe::State Http1Probe::Start(int epoll_fd, epoll_data_t data) {
  stamps_.socket = steady_clock::now();
  stamps_.sockets_opened = 1;
  const int family = target_.address.ss_family;
  fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    const int error = errno;
    if (error == EMFILE || error == ENFILE) {
      return Skip(SkipCause::kOutOfDescriptors, OutOfDescriptorsMessage());
    }
    return Finish(CURLE_COULDNT_CONNECT, std::string("socket: ") + std::strerror(error));
  }
  // As libcurl does: a request in more than one segment must not wait for an ACK.
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  epoll_event event{};
  // Edge-triggered, both directions at once: one epoll_ctl per probe.
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data = data;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd_, &event) != 0) {
    // Out of epoll watches or memory: latencyd's limit, not the target's failure.
    return Finish(CURLE_FAILED_INIT, std::string("epoll_ctl: ") + std::strerror(errno));
  }
  epoll_fd_ = epoll_fd;
  epoll_data_ = data;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target_.address), target_.address_length) ==
      0) {
    return Connected();
  }
  if (errno == EINPROGRESS) return State::kRunning;
  return ConnectFailed(errno);
}

Http1Probe::State Http1Probe::OnEvents(std::uint32_t events) {
  if (fd_ < 0) return State::kRunning;  // finished already; a stale event
  // As libcurl does: a probe whose deadline has passed is judged by it before anything that
  // came in is read, so the loop's lateness never counts as the target's latency.
  if (steady_clock::now() >= deadline_) return OnDeadline();
  if (!connected()) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      // The connect failed; only then is SO_ERROR worth a system call.
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      if (error == ECONNRESET) {  // it came up and the server reset it at once
        stamps_.connected = steady_clock::now();
        return Finish(CURLE_RECV_ERROR, std::string("Recv failure: ") + std::strerror(error));
      }
      return ConnectFailed(error != 0 ? error : ECONNREFUSED);
    }
    if ((events & EPOLLOUT) == 0) return State::kRunning;
    const State state = Connected();
    if (state != State::kRunning) return state;
  } else if ((events & EPOLLOUT) && sent_ < target_.request.size()) {
    const State state = Send();
    if (state != State::kRunning) return state;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) return Receive();
  return State::kRunning;
}

Http1Probe::State Http1Probe::ConnectFailed(int error) {
  return Finish(CURLE_COULDNT_CONNECT, "Failed to connect to " + target_.host + " port " +
                                           std::to_string(target_.port) + " after " +
                                           std::to_string(MillisSince(started_)) +
                                           " ms: " + std::strerror(error));
}

// The socket was registered edge-triggered before connect(), so every later arrival of data
// is an event of its own: no recv is tried until one says so.
Http1Probe::State Http1Probe::Connected() {
  stamps_.connected = steady_clock::now();
  return Send();
}

Http1Probe::State Http1Probe::Send() {
  while (sent_ < target_.request.size()) {
    const ssize_t n =
        ::send(fd_, target_.request.data() + sent_, target_.request.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return State::kRunning;
    // The peer closed or reset: an answer it sent before (a 413, say) still decides;
    // without one, the send's error does (Receive reports it).
    send_error_ = errno;
    const State state = Receive();
    if (state != State::kRunning) return state;
    return Finish(CURLE_SEND_ERROR, std::string("Send failure: ") + std::strerror(send_error_));
  }
  return State::kRunning;
}

Http1Probe::State Http1Probe::Receive() {
  thread_local char buffer[kReceiveBuffer];
  for (int reads = 0; reads < kMaxReadsPerEvent; ++reads) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return State::kRunning;
    if (n <= 0 && send_error_ != 0 && !response_.head_complete()) {
      // The request never got through and no answer came back: the send failed.
      return Finish(CURLE_SEND_ERROR, std::string("Send failure: ") + std::strerror(send_error_));
    }
    if (n < 0)
      return Finish(CURLE_RECV_ERROR, std::string("Recv failure: ") + std::strerror(errno));
    const SteadyTime now = steady_clock::now();
    Http1Response::Outcome outcome;
    if (n == 0) {
      outcome = response_.FeedEnd();
    } else {
      if (stamps_.first_byte == SteadyTime{}) stamps_.first_byte = now;
      stamps_.last_byte = now;
      outcome = response_.Feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
    if (outcome != Http1Response::Outcome::kNeedMore) {
      const int code = CurlCodeFor(outcome, n == 0, stamps_.first_byte != SteadyTime{});
      return Finish(code,
                    code == CURLE_GOT_NOTHING ? "Empty reply from server" : response_.error());
    }
  }
  // More is waiting, but other probes of the loop come first. Re-registering an
  // edge-triggered socket that is still readable reports it again on the next wait.
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data = epoll_data_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &event);
  return State::kRunning;
}

Http1Probe::State Http1Probe::OnDeadline() {
  // Read now, not at the start of the loop's pass: callbacks ran in between, and a stale
  // reading would understate how late the loop is.
  const SteadyTime now = steady_clock::now();
  if (stamps_.first_byte == SteadyTime{} && fd_ >= 0 &&
      AnsweredBeforeDeadline(fd_, now - deadline_, connected())) {
    // The target answered in time; the loop, too busy, read it too late (probes/README.md).
    return Skip(SkipCause::kLoopBusy, LoopBusyMessage());
  }
  // libcurl's words for the two cases.
  const std::string elapsed = std::to_string(MillisSince(started_)) + " milliseconds";
  return Finish(CURLE_OPERATION_TIMEDOUT,
                connected() ? "Operation timed out after " + elapsed + " with " +
                                  std::to_string(response_.body_bytes()) + " bytes received"
                            : "Connection timed out after " + elapsed);
}

Http1Probe::State Http1Probe::Skip(SkipCause cause, const std::string& why) {
  CloseSocket();
  result_ = ProbeResult{};
  result_.skipped = cause;
  result_.reason = FailureReason::kOther;
  result_.error = why;
  result_.started = started_;
  result_.finished_wall = std::chrono::system_clock::now();
  return State::kDone;
}

Http1Probe::State Http1Probe::Finish(int curl_code, const std::string& detail) {
  const SteadyTime end = steady_clock::now();
  CloseSocket();
  const ProbeSpec& spec = probe_->spec();
  const bool head = response_.head_complete();
  const int status = response_.status();
  if (curl_code == CURLE_OK && spec.max_redirects > 0 && status >= 300 && status < 400 &&
      status != 304 && !response_.location().empty()) {
    return State::kUseLibcurl;  // libcurl follows redirects, with their policy
  }
  ProbeResult& r = result_;
  r.started = started_;
  r.finished_wall = std::chrono::system_clock::now();
  r.http_status = head ? response_.status() : 0;
  r.http_version = head ? response_.version() : "";
  r.body_bytes = response_.body_bytes();

  CurlTimes times;
  times.ip_literal = true;
  times.connect_us = MicrosSince(started_, stamps_.connected);
  times.starttransfer_us = MicrosSince(started_, stamps_.first_byte);
  times.total_us = MicrosSince(started_, end);
  r.phases = MapPhases(times);
  r.total = std::chrono::microseconds(times.total_us);
  if (curl_code == CURLE_OK) MapStamps(stamps_, 0, &r.phases, &r.total);

  Classify(curl_code, detail);
  return State::kDone;
}

void Http1Probe::Classify(int curl_code, const std::string& detail) {
  const ProbeSpec& spec = probe_->spec();
  ProbeResult& r = result_;
  TransferOutcome o;
  o.curl_code = curl_code;
  o.curl_detail = detail;
  o.body_too_large = response_.outcome() == Http1Response::Outcome::kBodyTooLarge;
  o.headers_too_large = response_.outcome() == Http1Response::Outcome::kHeadTooLarge;
  o.http_status = r.http_status;
  o.status_expected = curl_code != CURLE_OK || StatusInRanges(spec.expect_status, r.http_status);
  std::string expected_text;
  if (!o.status_expected) expected_text = DescribeStatusRanges(spec.expect_status);
  o.expected_status = expected_text;
  o.body_matches =
      !o.status_expected || curl_code != CURLE_OK || probe_->BodyMatches(response_.body());
  o.max_body = spec.max_body;
  o.timeout_ms = timeout_ms_;
  o.max_redirects = spec.max_redirects;
  o.http2_required = spec.http_version == HttpVersion::k2;
  o.http_version = r.http_version;
  ApplyClassification(o, r);
}

}  // namespace latencyd::probes
