// TlsContextHook: shared trust store in, handshake facts out.
#include "probes/tls_hook.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <mutex>

#include "probes/trust_store.h"

namespace latencyd::probes {
namespace {

void FreeFacts(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<TlsFacts>*>(ptr);
}

// The SSL_CTX ex-data slot holding a std::shared_ptr<TlsFacts>* (freed with the SSL_CTX).
int FactsIndex() {
  static int index = -1;
  static std::once_flag once;
  std::call_once(once,
                 [] { index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeFacts); });
  return index;
}

double UnixTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nan("");
  return static_cast<double>(timegm(&tm));
}

// Earliest notAfter over the certificates the server sent (on the client side the chain
// includes the leaf), as blackbox_exporter's probe_ssl_earliest_cert_expiry does.
double EarliestNotAfter(const SSL* ssl) {
  double earliest = std::nan("");
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    const double t = UnixTime(X509_get0_notAfter(sk_X509_value(chain, i)));
    if (!std::isnan(t) && (std::isnan(earliest) || t < earliest)) earliest = t;
  }
  return earliest;
}

void OnInfo(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  auto* slot = static_cast<std::shared_ptr<TlsFacts>*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), FactsIndex()));
  if (slot == nullptr || !*slot) return;
  TlsFacts& facts = **slot;
  facts.handshake_done = true;
  facts.version = SSL_get_version(ssl);
  facts.session_reused = SSL_session_reused(const_cast<SSL*>(ssl)) == 1;
  facts.earliest_not_after_unix = EarliestNotAfter(ssl);
}

}  // namespace

int TlsContextHook(void*, void* ssl_ctx, void* user) {
  auto* request = static_cast<TlsHookRequest*>(user);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  request->tls_started = std::chrono::steady_clock::now();
  if (request->verify && !InstallTrustStore(ctx, request->ca_file, &request->error)) {
    return CURLE_SSL_CACERT_BADFILE;
  }
  request->facts = std::make_shared<TlsFacts>();
  auto* slot = new std::shared_ptr<TlsFacts>(request->facts);
  if (SSL_CTX_set_ex_data(ctx, FactsIndex(), slot) != 1) {
    delete slot;
    return CURLE_OK;  // no facts for this handshake; the probe itself is unaffected
  }
  SSL_CTX_set_info_callback(ctx, OnInfo);
  return CURLE_OK;
}

}  // namespace latencyd::probes
