// Transfer: building the libcurl request for a probe, and the body and header callbacks.
#include "probes/transfer.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "probes/answered_in_time.h"
#include "probes/failure.h"
#include "probes/prepared_probe_internal.h"

namespace latencyd::probes {
namespace {

static_assert(CURL_ERROR_SIZE == 256, "Transfer::error_ must hold CURL_ERROR_SIZE bytes");

CURLcode OnSslContext(CURL* curl, void* ssl_ctx, void* user) {
  return static_cast<CURLcode>(TlsContextHook(curl, ssl_ctx, user));
}

// CURLOPT_OPENSOCKETFUNCTION: stamps the start of the kernel work, then opens the socket
// exactly as libcurl's default does.
curl_socket_t OpenSocket(void* transfer, curlsocktype, curl_sockaddr* address) {
  static_cast<Transfer*>(transfer)->NoteSocketOpening();
  return ::socket(address->family, address->socktype, address->protocol);
}

// CURLOPT_CLOSESOCKETFUNCTION: set only without keep-alive, where libcurl closes the socket at
// the end of its own transfer, while the Transfer is alive.
int CloseSocket(void* transfer, curl_socket_t fd) {
  static_cast<Transfer*>(transfer)->NoteSocketClosing(fd);
  return ::close(fd);
}

}  // namespace

Transfer::Transfer() : easy_(curl_easy_init()) {}

Transfer::~Transfer() {
  if (easy_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(easy_));
}

bool Transfer::Prepare(std::shared_ptr<const PreparedProbe> probe, ProbeEngine::Callback done) {
  done_ = std::move(done);
  body_bytes_ = 0;
  header_bytes_ = 0;
  body_too_large_ = headers_too_large_ = head_complete_ = seen_https_ = false;
  last_status_ = 0;
  redirect_refused_.clear();
  stamps_ = SocketStamps{};
  answer_unread_ = false;
  body_.clear();
  error_[0] = '\0';
  tls_hook_.facts.reset();
  tls_hook_.error.clear();
  tls_hook_.tls_started = {};
  if (probe == probe_) {
    // Every option is still set from the last run, except a deadline LimitDeadline shortened.
    const long timeout_ms = probe_->compiled().timeout_ms;
    if (timeout_ms_ == timeout_ms) return true;
    timeout_ms_ = timeout_ms;
    return curl_easy_setopt(static_cast<CURL*>(easy_), CURLOPT_TIMEOUT_MS, timeout_ms_) == CURLE_OK;
  }
  // The previous probe stays alive until Configure has reset the handle: libcurl still points
  // into it (its parsed URL, header list) until then.
  std::shared_ptr<const PreparedProbe> previous = std::exchange(probe_, std::move(probe));
  if (Configure()) return true;
  probe_.reset();  // half-configured: the next Prepare starts over
  return false;
}

// Sets every option for probe_ on a freshly reset handle.
bool Transfer::Configure() {
  const ProbeSpec& spec = probe_->spec();
  const PreparedProbe::Compiled& c = probe_->compiled();
  max_body_ = spec.max_body;
  keep_body_ = c.body_regex.has_value();

  CURL* e = static_cast<CURL*>(easy_);
  curl_easy_reset(e);
  bool ok = c.parsed_url ? curl_easy_setopt(e, CURLOPT_CURLU, c.parsed_url.get()) == CURLE_OK
                         : curl_easy_setopt(e, CURLOPT_URL, c.url.c_str()) == CURLE_OK;
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_);
  timeout_ms_ = c.timeout_ms;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Probes measure the target itself, never a proxy picked up from the environment (NOPROXY
  // also spares libcurl reading no_proxy from the environment on every connection).
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  foreign_headers_ = false;
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Transfer::OnRequest);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, this);
  if (spec.max_redirects > 0) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(spec.max_redirects));
  }
  if (!spec.keepalive) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &CloseSocket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  }
  if (c.accept_encoding) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, c.accept_encoding->c_str());
  curl_easy_setopt(e, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(c.header_list.get()));
  if (c.connect_to) {
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, static_cast<curl_slist*>(c.connect_to.get()));
  }
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  SetMethodAndBody(spec);
  SetTls(spec.tls);
  SetHttpVersion(spec.http_version);
  return ok;
}

void Transfer::SetMethodAndBody(const ProbeSpec& spec) {
  CURL* e = static_cast<CURL*>(easy_);
  if (spec.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    return;
  }
  if (!spec.body.empty() || spec.method == "POST") {
    // The body lives in the PreparedProbe, which outlives the transfer.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(spec.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, spec.body.data());
  }
  if (spec.method != "GET" && spec.method != "POST") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
  } else if (spec.method == "GET" && !spec.body.empty()) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
  }
}

// libcurl would parse the CA file (and Debian's default is the whole system bundle) again
// for every handshake; instead no CA option is set and the hook installs the store that the
// process-wide cache built once (trust_store.h).
void Transfer::SetTls(const TlsSpec& tls) {
  CURL* e = static_cast<CURL*>(easy_);
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  tls_hook_.verify = !tls.insecure_skip_verify;
  tls_hook_.ca_file = tls.ca_file;
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &OnSslContext);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &tls_hook_);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, tls.session_reuse ? 1L : 0L);
  if (!tls.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.key_file.c_str());
}

void Transfer::SetHttpVersion(HttpVersion version) {
  // 2TLS: h2 when ALPN agrees, and HTTP/1.1 over plain http (no h2c upgrade attempt).
  const long value = version == HttpVersion::k1_1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS;
  curl_easy_setopt(static_cast<CURL*>(easy_), CURLOPT_HTTP_VERSION, value);
}

void Transfer::MarkStarted() { started_ = std::chrono::steady_clock::now(); }

void Transfer::LimitDeadline(SteadyTime deadline) {
  if (deadline == SteadyTime::max()) return;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started_).count();
  long limit = left < 1 ? 1 : static_cast<long>(left);
  if (limit >= timeout_ms_) return;
  timeout_ms_ = limit;
  curl_easy_setopt(static_cast<CURL*>(easy_), CURLOPT_TIMEOUT_MS, timeout_ms_);
}

void Transfer::NoteSocketClosing(int fd) {
  // Only a probe that reached its deadline before reading a byte of the answer: every other
  // close costs nothing here.
  if (stamps_.first_byte != SteadyTime{}) return;
  const Duration past_deadline =
      std::chrono::steady_clock::now() - (started_ + std::chrono::milliseconds(timeout_ms_));
  if (past_deadline < Duration::zero()) return;
  const bool request_sent = stamps_.connected != SteadyTime{};
  // Before the request, an established TCP connection proves the loop late only when no TLS
  // handshake was under way: a stalled handshake is the target's.
  if (!request_sent && tls_hook_.tls_started != SteadyTime{}) return;
  answer_unread_ = AnsweredBeforeDeadline(fd, past_deadline, request_sent);
}

void Transfer::NoteSocketOpening() {
  if (stamps_.sockets_opened++ == 0) stamps_.socket = std::chrono::steady_clock::now();
}

std::size_t Transfer::OnBody(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const std::size_t n = size * count;
  t->stamps_.last_byte = std::chrono::steady_clock::now();
  t->body_bytes_ += n;
  if (t->body_bytes_ > t->max_body_) {
    t->body_too_large_ = true;
    return CURL_WRITEFUNC_ERROR;  // aborts with CURLE_WRITE_ERROR; the flag says why
  }
  if (t->keep_body_) t->body_.append(data, n);
  return n;
}

std::size_t Transfer::OnHeader(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const std::size_t n = size * count;
  t->stamps_.last_byte = std::chrono::steady_clock::now();
  if (t->stamps_.first_byte == SteadyTime{}) t->stamps_.first_byte = t->stamps_.last_byte;
  // Every head (1xx, redirect hops, the final one) ends with a blank line.
  t->head_complete_ = (n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n');
  if (n > 12 && std::memcmp(data, "HTTP/", 5) == 0) {
    const char* space = static_cast<const char*>(std::memchr(data, ' ', n));
    if (space != nullptr && space + 4 <= data + n) t->last_status_ = std::atoi(space + 1);
  }
  t->header_bytes_ += n;
  if (t->header_bytes_ > kMaxHeaderBytes) {
    t->headers_too_large_ = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return n;
}

int Transfer::OnRequest(void* self, char*, char*, int, int) {
  auto* t = static_cast<Transfer*>(self);
  if (t->stamps_.connected == SteadyTime{}) t->stamps_.connected = std::chrono::steady_clock::now();
  if (t->probe_->spec().max_redirects == 0) return CURL_PREREQFUNC_OK;
  return t->ApplyRedirectPolicy();
}

// Runs before every request of a transfer, the first one included (hops == 0), so a handle
// that ended its last run at another origin gets its headers back at the start of the next.
int Transfer::ApplyRedirectPolicy() {
  CURL* e = static_cast<CURL*>(easy_);
  const PreparedProbe::Compiled& c = probe_->compiled();
  const ProbeSpec& spec = probe_->spec();
  const char* url = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
  const std::string origin = OriginOf(url != nullptr ? url : "");
  const bool https = origin.rfind("https://", 0) == 0;
  long hops = 0;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &hops);
  if (hops > 0 && seen_https_ && !https && !spec.allow_insecure_redirect) {
    redirect_refused_ = "redirect from https to " + origin +
                        " refused (cleartext; allow_insecure_redirect: true permits it)";
    return CURL_PREREQFUNC_ABORT;
  }
  seen_https_ = seen_https_ || https;
  const bool foreign = hops > 0 && origin != c.origin;
  // libcurl re-sends the body only on 307 and 308 (it turns 301-303 after a POST into a GET).
  if (foreign && !spec.body.empty() && (last_status_ == 307 || last_status_ == 308)) {
    redirect_refused_ = "redirect " + std::to_string(last_status_) + " to another origin (" +
                        origin + ") would re-send the request body; not followed";
    return CURL_PREREQFUNC_ABORT;
  }
  if (foreign != foreign_headers_) {
    // Custom headers go only to the configured origin.
    foreign_headers_ = foreign;
    auto* list =
        static_cast<curl_slist*>(foreign ? c.foreign_header_list.get() : c.header_list.get());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
  }
  return CURL_PREREQFUNC_OK;
}

ProbeEngine::Callback Transfer::Release() {
  body_.clear();
  if (body_.capacity() > (64u << 10)) std::string().swap(body_);  // do not pin big buffers
  return std::move(done_);
}

}  // namespace latencyd::probes
