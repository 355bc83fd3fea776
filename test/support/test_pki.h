// A throwaway certificate hierarchy for TLS tests and benchmarks, made with the openssl
// command line: root CA -> intermediate CA -> leaf for localhost and 127.0.0.1, all ECDSA P-256.
#pragma once

#include <string>

namespace latencyd::testing {

struct TestPki {
  std::string ca_file;     // the root CA certificate (what a client trusts)
  std::string chain_file;  // leaf + intermediate, what the server presents
  std::string key_file;    // the leaf's private key
  // notAfter (unix seconds) of the leaf and of the intermediate: the intermediate expires
  // first (`intermediate_days` < `leaf_days`), so the earliest expiry of the chain is not the
  // leaf's.
  long long leaf_not_after = 0;
  long long intermediate_not_after = 0;
};

// Writes the files into `dir` (which must exist). Throws std::runtime_error when openssl
// fails or is missing.
TestPki MakeTestPki(const std::string& dir, int leaf_days = 20, int intermediate_days = 10);

// The notAfter of the first certificate in a PEM file, unix seconds (via `openssl x509`).
long long CertificateNotAfter(const std::string& pem_file);

}  // namespace latencyd::testing
