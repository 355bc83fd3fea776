// RedactUrl: passwords and secret-looking query values hidden, everything else kept.
#include "daemon/text/redact.h"

#include <gtest/gtest.h>

namespace latencyd {
namespace {

struct Case {
  const char* url;
  const char* redacted;
};

TEST(RedactUrlTest, HidesPasswordsAndSecretQueryValues) {
  const Case cases[] = {
      {"http://127.0.0.1:8000/plone/info", "http://127.0.0.1:8000/plone/info"},
      {"https://bob:hunter2@api.example.com/x", "https://bob:xxxxx@api.example.com/x"},
      {"https://bob@api.example.com/x", "https://bob@api.example.com/x"},  // no password
      {"http://a:b:c@h/", "http://a:xxxxx@h/"},
      {"http://u:p@ss@h/", "http://u:xxxxx@h/"},  // the last '@' ends the userinfo
      {"http://h/p?token=t&page=2", "http://h/p?token=xxxxx&page=2"},
      {"http://h/p?page=2&API_KEY=k&Secret=s", "http://h/p?page=2&API_KEY=xxxxx&Secret=xxxxx"},
      {"http://h/?password=p;auth=a#frag", "http://h/?password=xxxxx;auth=xxxxx#frag"},
      {"http://h/?access_token=t&sig=s&x", "http://h/?access_token=xxxxx&sig=xxxxx&x"},
      {"http://h/?q=token", "http://h/?q=token"},      // a value named token is no secret
      {"http://h/path@x?a=1", "http://h/path@x?a=1"},  // '@' in the path is no userinfo
      {"user:pw@host/x?token=t", "user:xxxxx@host/x?token=xxxxx"},  // no scheme: still redacted
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(RedactUrl(c.url), c.redacted) << c.url;
}

TEST(RedactUrlTest, SecretParameterNames) {
  for (const char* name : {"token", "apikey", "key", "client_secret", "passwd", "Authorization",
                           "X-Amz-Signature", "credentials", "sessionid"}) {
    EXPECT_TRUE(IsSecretParameterName(name)) << name;
  }
  for (const char* name : {"page", "q", "limit", "sort"}) {
    EXPECT_FALSE(IsSecretParameterName(name)) << name;
  }
}

}  // namespace
}  // namespace latencyd
