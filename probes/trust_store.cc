// TrustStoreCache: building X509_STOREs once per CA source and file version.
#include "probes/trust_store.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <map>
#include <mutex>

namespace latencyd::probes {
namespace {

// What identifies one version of a file on disk.
struct FileVersion {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  timespec modified{};

  bool operator==(const FileVersion& o) const {
    return device == o.device && inode == o.inode && size == o.size &&
           modified.tv_sec == o.modified.tv_sec && modified.tv_nsec == o.modified.tv_nsec;
  }
};

FileVersion VersionOf(const std::string& path) {
  FileVersion v;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return v;
  v.device = st.st_dev;
  v.inode = st.st_ino;
  v.size = st.st_size;
  v.modified = st.st_mtim;
  return v;
}

// libcurl's built-in CA file and CA path (Debian: /etc/ssl/certs/ca-certificates.crt and
// /etc/ssl/certs), what a handle uses when no CA option is set; "" when it has none.
struct DefaultCaSources {
  std::string file;
  std::string path;
};

DefaultCaSources QueryDefaults() {
  DefaultCaSources d;
  CURL* e = curl_easy_init();
  if (e == nullptr) return d;
  char* value = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_CAINFO, &value) == CURLE_OK && value != nullptr) d.file = value;
  value = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_CAPATH, &value) == CURLE_OK && value != nullptr) d.path = value;
  curl_easy_cleanup(e);
  return d;
}

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no certificate found";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

// OpenSSL caches a certificate's decoded extensions (key identifiers, constraints) in the
// certificate at its first use in a verification. A store is shared by the handshakes of every
// loop, so that first use would write into certificates that another loop's handshake is
// reading (ThreadSanitizer saw it: a CA's key identifier set on one loop, compared on another).
// Decoding them here, before the store is shared, leaves the handshakes only reading.
void DecodeExtensionsOfLoadedCertificates(X509_STORE* store) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* certificate = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (certificate != nullptr) X509_check_purpose(certificate, -1, 0);
  }
}

// Parses `file` (PEM, every certificate in it) and adds `path` as a hashed lookup directory,
// which OpenSSL reads lazily, one issuer at a time, like libcurl does.
X509_STORE* BuildStore(const std::string& file, const std::string& path, std::string* error) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) {
    *error = "out of memory building the trust store";
    return nullptr;
  }
  ERR_clear_error();
  if (!file.empty() && X509_STORE_load_file(store, file.c_str()) != 1) {
    *error = "cannot load CA file " + file + ": " + OpenSslError();
    X509_STORE_free(store);
    return nullptr;
  }
  if (!path.empty() && X509_STORE_load_path(store, path.c_str()) != 1) {
    *error = "cannot use CA path " + path + ": " + OpenSslError();
    X509_STORE_free(store);
    return nullptr;
  }
  // libcurl's own default for OpenSSL 1.1+: accept a chain that ends at any trusted
  // certificate, not only at a self-signed root.
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  DecodeExtensionsOfLoadedCertificates(store);
  return store;
}

}  // namespace

struct TrustStoreCache::Impl {
  struct Entry {
    FileVersion version;
    X509_STORE* store = nullptr;  // one reference held by the cache
  };
  std::mutex mu;
  DefaultCaSources defaults;
  std::map<std::string, Entry> entries;  // by ca_file ("" = libcurl's defaults)
  unsigned long builds = 0;
};

TrustStoreCache::TrustStoreCache() : impl_(new Impl) { impl_->defaults = QueryDefaults(); }

TrustStoreCache& TrustStoreCache::Instance() {
  static TrustStoreCache* cache = new TrustStoreCache();  // never destroyed: see the header
  return *cache;
}

void* TrustStoreCache::Acquire(const std::string& ca_file, std::string* error) {
  const std::string& file = ca_file.empty() ? impl_->defaults.file : ca_file;
  const std::string& path = ca_file.empty() ? impl_->defaults.path : std::string();
  const FileVersion version = VersionOf(file);
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl::Entry& entry = impl_->entries[ca_file];
  if (entry.store == nullptr || !(entry.version == version)) {
    // Built under the lock: the loops that need the same new store wait for one build
    // instead of each parsing the file.
    X509_STORE* store = BuildStore(file, path, error);
    if (store == nullptr) return nullptr;
    ++impl_->builds;
    if (entry.store != nullptr) X509_STORE_free(entry.store);  // handshakes keep their refs
    entry.store = store;
    entry.version = version;
  }
  X509_STORE_up_ref(entry.store);
  return entry.store;
}

unsigned long TrustStoreCache::builds() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->builds;
}

int InstallTrustStore(void* ssl_ctx, const std::string& ca_file, std::string* error) {
  void* store = TrustStoreCache::Instance().Acquire(ca_file, error);
  if (store == nullptr) return 0;
  SSL_CTX_set_cert_store(static_cast<SSL_CTX*>(ssl_ctx), static_cast<X509_STORE*>(store));
  return 1;
}

}  // namespace latencyd::probes
