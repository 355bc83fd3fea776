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

}  // namespace
}  // namespace latencyd
