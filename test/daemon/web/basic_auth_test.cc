#include "daemon/web/basic_auth.h"

#include <crypt.h>
#include <gtest/gtest.h>

namespace latencyd {
namespace {

// A bcrypt hash made at test time, so no secret is hard-coded.
std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof(salt)), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), salt, &data);
}

TEST(Base64Test, DecodesStandardAlphabet) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("dXNlcjpwYXNz", &out));
  EXPECT_EQ(out, "user:pass");
  ASSERT_TRUE(DecodeBase64("YQ==", &out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(DecodeBase64("a$b", &out));
  EXPECT_FALSE(DecodeBase64("YQ==YQ", &out));
}

TEST(BasicAuthTest, AcceptsOnlyTheRightPassword) {
  BasicAuthUsers users = {{"prometheus", Bcrypt("s3cret")}};
  ASSERT_EQ(users[0].second.rfind("$2b$", 0), 0u);
  EXPECT_TRUE(CheckBasicAuth("Basic cHJvbWV0aGV1czpzM2NyZXQ=", users));   // prometheus:s3cret
  EXPECT_FALSE(CheckBasicAuth("Basic cHJvbWV0aGV1czpzM2NyZXU=", users));  // prometheus:s3creu
  EXPECT_FALSE(CheckBasicAuth("Basic b3RoZXI6czNjcmV0", users));          // other:s3cret
  EXPECT_FALSE(CheckBasicAuth("Bearer cHJvbWV0aGV1czpzM2NyZXQ=", users));
  EXPECT_FALSE(CheckBasicAuth("", users));
}

std::string Basic(const std::string& credentials) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  for (std::size_t i = 0; i < credentials.size(); i += 3) {
    unsigned chunk = static_cast<unsigned char>(credentials[i]) << 16;
    if (i + 1 < credentials.size()) chunk |= static_cast<unsigned char>(credentials[i + 1]) << 8;
    if (i + 2 < credentials.size()) chunk |= static_cast<unsigned char>(credentials[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < credentials.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < credentials.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

TEST(BasicAuthTest, TheWholePasswordCounts) {
  const std::string long_password(72, 'p');
  BasicAuthUsers users = {{"prometheus", Bcrypt("s3cret")}, {"long", Bcrypt(long_password)}};
  EXPECT_TRUE(CheckBasicAuth(Basic("prometheus:s3cret"), users));
  EXPECT_FALSE(CheckBasicAuth(Basic(std::string("prometheus:s3cret\0junk", 22)), users));
  EXPECT_TRUE(CheckBasicAuth(Basic("long:" + long_password), users));
  EXPECT_FALSE(CheckBasicAuth(Basic("long:" + long_password + "x"), users));

  BasicAuthenticator authenticator(users);
  using Verdict = BasicAuthenticator::Verdict;
  EXPECT_EQ(authenticator.Check(Basic("prometheus:s3cret")), Verdict::kAllowed);
  EXPECT_EQ(authenticator.Check(Basic("prometheus:s3cret")), Verdict::kAllowed);  // cached
  EXPECT_EQ(authenticator.Check(Basic(std::string("prometheus:s3cret\0junk", 22))),
            Verdict::kDenied);
  EXPECT_EQ(authenticator.Check(Basic("long:" + long_password + "x")), Verdict::kDenied);
  EXPECT_EQ(authenticator.Check(Basic("nobody:s3cret")), Verdict::kDenied);
  EXPECT_EQ(authenticator.Check("Bearer x"), Verdict::kDenied);
}

TEST(BasicAuthTest, BusyWhenNoTurnIsFree) {
  BasicAuthLimits limits;
  limits.max_concurrent_bcrypt = 0;  // no turn ever: every bcrypt would have to wait
  limits.max_waiting = 0;
  BasicAuthenticator authenticator({{"prometheus", Bcrypt("s3cret")}}, limits);
  EXPECT_EQ(authenticator.Check(Basic("prometheus:s3cret")), BasicAuthenticator::Verdict::kBusy);
  EXPECT_EQ(authenticator.Check(Basic("nobody:x")), BasicAuthenticator::Verdict::kBusy);
}

}  // namespace
}  // namespace latencyd
