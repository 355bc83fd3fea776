// MakeTestPki: root, intermediate and leaf certificates via the openssl command line.
#include "test/support/test_pki.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace latencyd::testing {
namespace {

void Run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("test PKI: command failed: " + command);
  }
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr char kEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

long long CertificateNotAfter(const std::string& pem_file) {
  const std::string command =
      "openssl x509 -noout -enddate -dateopt iso_8601 -in '" + pem_file + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("test PKI: cannot run openssl");
  char line[128] = {};
  const bool got = std::fgets(line, sizeof(line), pipe) != nullptr;
  pclose(pipe);
  std::tm tm{};
  // "notAfter=2026-12-20 00:52:19Z"
  if (!got || strptime(line, "notAfter=%Y-%m-%d %H:%M:%S", &tm) == nullptr) {
    throw std::runtime_error("test PKI: cannot read notAfter of " + pem_file);
  }
  return static_cast<long long>(timegm(&tm));
}

TestPki MakeTestPki(const std::string& dir, int leaf_days, int intermediate_days) {
  const std::string d = dir + "/";
  Run("openssl req -x509 " + std::string(kEcKey) + " -days 30 -subj /CN=latencyd-test-root" +
      " -addext basicConstraints=critical,CA:TRUE -keyout " + d + "ca.key -out " + d + "ca.pem");
  std::ofstream(d + "ca.ext") << "basicConstraints=critical,CA:TRUE\n"
                              << "keyUsage=critical,keyCertSign,cRLSign\n";
  Run("openssl req " + std::string(kEcKey) + " -subj /CN=latencyd-test-intermediate -keyout " + d +
      "int.key -out " + d + "int.csr");
  Run("openssl x509 -req -in " + d + "int.csr -CA " + d + "ca.pem -CAkey " + d +
      "ca.key -CAcreateserial -days " + std::to_string(intermediate_days) + " -extfile " + d +
      "ca.ext -out " + d + "int.pem");
  std::ofstream(d + "leaf.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  Run("openssl req " + std::string(kEcKey) + " -subj /CN=localhost -keyout " + d +
      "leaf.key -out " + d + "leaf.csr");
  Run("openssl x509 -req -in " + d + "leaf.csr -CA " + d + "int.pem -CAkey " + d +
      "int.key -CAcreateserial -days " + std::to_string(leaf_days) + " -extfile " + d +
      "leaf.ext -out " + d + "leaf.pem");
  std::ofstream(d + "chain.pem") << Slurp(d + "leaf.pem") << Slurp(d + "int.pem");
  TestPki pki;
  pki.ca_file = d + "ca.pem";
  pki.chain_file = d + "chain.pem";
  pki.key_file = d + "leaf.key";
  pki.leaf_not_after = CertificateNotAfter(d + "leaf.pem");
  pki.intermediate_not_after = CertificateNotAfter(d + "int.pem");
  return pki;
}

}  // namespace latencyd::testing
