// A fixture for HTTPS probe tests: a test PKI (root -> intermediate -> leaf) and nginx
// serving it on loopback, reporting the protocol and TLS resumption it saw in its body.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "test/support/test_pki.h"
#include "test/support/tls_nginx_server.h"

namespace latencyd::probes {

class HttpsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!latencyd::testing::TlsNginxServer::Available()) GTEST_SKIP() << "no nginx";
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("latencyd_https_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    pki_ = latencyd::testing::MakeTestPki(dir_.string());
    server_ = std::make_unique<latencyd::testing::TlsNginxServer>(dir_.string(), pki_.chain_file,
                                                                  pki_.key_file);
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  latencyd::testing::TestPki pki_;
  std::unique_ptr<latencyd::testing::TlsNginxServer> server_;
};

}  // namespace latencyd::probes
