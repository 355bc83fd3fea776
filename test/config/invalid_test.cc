// Every invalid-config rule: one fixture file each, paired with its exact message.
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "config/config.h"

namespace latencyd::config {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(LATENCYD_CONFIG_TEST_DATA_DIR) + "/invalid/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The messages of parsing `text` as `file_name`, one per line.
std::string ErrorsOf(const std::string& text, const std::string& file_name) {
  try {
    ParseConfig(text, file_name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

struct InvalidCase {
  const char* file;
  const char* message;
};

// Names the fixture when a case fails, instead of dumping the struct's bytes.
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.file; }

class InvalidConfigTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfigTest, ReportsExactMessage) {
  const InvalidCase& c = GetParam();
  std::string text = ReadFixture(c.file);
  ASSERT_FALSE(text.empty()) << "missing fixture " << c.file;
  EXPECT_EQ(ErrorsOf(text, c.file), c.message);
}

const InvalidCase kInvalidCases[] = {
    {"alias.yml",
     "alias.yml:4:12: endpoints[0].class: anchors are not supported (&c)\n"
     "alias.yml:7:12: endpoints[1].class: aliases are not supported (*c)"},
    {"anchor.yml", "anchor.yml:1:11: defaults: anchors are not supported (&base)"},
    {"bad_body_regex.yml",
     "bad_body_regex.yml:6:19: endpoints[0].expect.body_regex: invalid regular expression \"(ok\": "
     "Mismatched '(' and ')' in regular expression"},
    {"bad_boolean.yml",
     "bad_boolean.yml:2:14: defaults.keepalive: invalid boolean \"yes\" (use true or false)"},
    {"bad_class_name.yml",
     "bad_class_name.yml:2:3: classes.Core: invalid class name \"Core\" (must match "
     "[a-z][a-z0-9_]*)"},
    {"bad_duration.yml",
     "bad_duration.yml:2:13: defaults.interval: invalid duration \"5\" (examples: 250us, 5ms, 1s, "
     "1m30s)"},
    {"bad_header_name.yml",
     "bad_header_name.yml:6:7: endpoints[0].headers.X Token: invalid header name \"X Token\""},
    {"bad_header_value.yml",
     "bad_header_value.yml:6:16: endpoints[0].headers.X-Token: header value contains a line break "
     "or NUL"},
    {"bad_integer.yml", "bad_integer.yml:2:18: defaults.max_redirects: invalid integer \"many\""},
    {"bad_method.yml",
     "bad_method.yml:5:13: endpoints[0].method: unknown method \"FETCH\" (known: DELETE, GET, "
     "HEAD, OPTIONS, PATCH, POST, PUT)"},
    {"bad_detector_level.yml",
     "bad_detector_level.yml:2:43: classes.core.detector_level: value 0.5 is outside [1, 50]"},
    {"bad_timeouts_in_quantiles.yml",
     "bad_timeouts_in_quantiles.yml:2:50: classes.core.timeouts_in_quantiles: invalid boolean "
     "\"sometimes\" (use true or false)"},
    {"bad_min_samples.yml",
     "bad_min_samples.yml:2:40: classes.core.min_samples: value 0 is outside [1, 1000000]"},
    {"bad_size.yml",
     "bad_size.yml:2:13: defaults.max_body: invalid size \"1TB\" (examples: 512, 64KiB, 1MiB, "
     "1MB)"},
    {"bad_status.yml",
     "bad_status.yml:6:21: endpoints[0].expect.status[1]: invalid status \"6xx\" (expected a code "
     "100-599 such as 200, a class such as 2xx, or a range such as 200-204)"},
    {"bad_status_range.yml",
     "bad_status_range.yml:6:15: endpoints[0].expect.status: invalid status \"204-200\" (expected "
     "a code 100-599 such as 200, a class such as 2xx, or a range such as 200-204)"},
    {"bad_threshold.yml",
     "bad_threshold.yml:2:22: classes.core.threshold: threshold must be positive"},
    {"class_quantile_out_of_range.yml",
     "class_quantile_out_of_range.yml:2:37: classes.core.quantile: quantile 0 is outside (0, 1)"},
    {"complex_key.yml", "complex_key.yml:2:5: defaults: map keys must be plain strings"},
    {"duplicate_endpoint_name.yml",
     "duplicate_endpoint_name.yml:5:11: endpoints[1].name: duplicate endpoint name \"main_root\" "
     "(first at line 2)"},
    {"duplicate_key.yml",
     "duplicate_key.yml:4:3: defaults.interval: duplicate key \"interval\" (first at line 2)"},
    {"empty_value.yml",
     "empty_value.yml:5:5: endpoints[0].method: expected a string, got an empty value"},
    {"endpoint_name_syntax.yml",
     "endpoint_name_syntax.yml:2:11: endpoints[0].name: invalid endpoint name \"main root\" (must "
     "match [A-Za-z0-9][A-Za-z0-9_.:/-]*)"},
    {"endpoint_name_too_long.yml",
     "endpoint_name_too_long.yml:2:11: endpoints[0].name: endpoint name is longer than 128 "
     "characters"},
    {"interval_too_short.yml",
     "interval_too_short.yml:5:15: endpoints[0].interval: interval 500us is below the minimum of "
     "1ms"},
    {"label_name_double_underscore.yml",
     "label_name_double_underscore.yml:6:7: endpoints[0].labels.__meta: label name \"__meta\" is "
     "reserved (the __ prefix is Prometheus' own)"},
    {"label_name_invalid.yml",
     "label_name_invalid.yml:6:7: endpoints[0].labels.team-name: invalid label name \"team-name\" "
     "(must match [a-zA-Z_][a-zA-Z0-9_]*)"},
    {"label_name_reserved.yml",
     "label_name_reserved.yml:6:7: endpoints[0].labels.instance: label name \"instance\" is "
     "reserved (latencyd or Prometheus sets it)"},
    {"label_value_not_utf8.yml",
     "label_value_not_utf8.yml:6:13: endpoints[0].labels.team: value is not valid UTF-8 (byte "
     "0xff at offset 3)"},
    {"label_key_not_utf8.yml",
     "label_key_not_utf8.yml:6:7: endpoints[0].labels: key is not valid UTF-8 (byte 0xe9 at "
     "offset 1)"},
    {"class_name_overlong_utf8.yml",
     "class_name_overlong_utf8.yml:7:12: endpoints[0].class: value is not valid UTF-8 (byte 0xc0 "
     "at offset 1)"},
    {"max_body_zero.yml",
     "max_body_zero.yml:2:13: defaults.max_body: max_body 0B is outside [1B, 1GiB]"},
    {"max_redirects_out_of_range.yml",
     "max_redirects_out_of_range.yml:2:18: defaults.max_redirects: value 100 is outside [0, 20]"},
    {"missing_class.yml", "missing_class.yml:2:5: endpoints[0]: missing required key \"class\""},
    {"missing_threshold.yml",
     "missing_threshold.yml:3:5: classes.batch: missing required key \"threshold\""},
    {"missing_url.yml", "missing_url.yml:2:5: endpoints[0]: missing required key \"url\""},
    {"multiple_documents.yml", "multiple_documents.yml:3:1: only one YAML document is allowed"},
    {"quantile_out_of_range.yml",
     "quantile_out_of_range.yml:2:26: defaults.quantiles[2]: quantile 1 is outside (0, 1)"},
    {"several_problems.yml",
     "several_problems.yml:3:12: defaults.timeout: timeout 2s exceeds interval 1s\n"
     "several_problems.yml:4:3: defaults.bogus: unknown key \"bogus\" (known: "
     "allow_insecure_redirect, basic_auth, bearer_token_file, http_version, interval, "
     "keepalive, max_body, max_redirects, quantiles, timeout, tls, window)\n"
     "several_problems.yml:6:37: classes.core.quantile: quantile 1.5 is outside (0, 1)\n"
     "several_problems.yml:9:10: endpoints[0].url: unsupported URL scheme \"ftp\" (only http and "
     "https are probed)\n"
     "several_problems.yml:10:12: endpoints[0].class: unknown class \"cor\" (known: async, core)\n"
     "several_problems.yml:11:11: endpoints[1].name: duplicate endpoint name \"main_root\" (first "
     "at line 8)\n"
     "several_problems.yml:15:7: endpoints[1].labels.job: label name \"job\" is reserved (latencyd "
     "or Prometheus sets it)"},
    {"syntax_error.yml", "syntax_error.yml:3:11: invalid YAML: end of sequence flow not found"},
    {"tab_indentation.yml", "tab_indentation.yml:2:10: invalid YAML: illegal map value"},
    {"timeout_exceeds_inherited_interval.yml",
     "timeout_exceeds_inherited_interval.yml:7:14: endpoints[0].timeout: timeout 1.5s exceeds "
     "interval 1s"},
    {"timeout_exceeds_interval.yml",
     "timeout_exceeds_interval.yml:6:14: endpoints[0].timeout: timeout 2s exceeds interval 500ms"},
    {"timeout_zero.yml", "timeout_zero.yml:2:12: defaults.timeout: timeout must be positive"},
    {"tls_cert_without_key.yml",
     "tls_cert_without_key.yml:6:18: endpoints[0].tls.cert_file: cert_file and key_file must be "
     "set together"},
    {"tls_unknown_key.yml",
     "tls_unknown_key.yml:6:7: endpoints[0].tls.verify: unknown key \"verify\" (known: ca_file, "
     "cert_file, insecure_skip_verify, key_file, server_name, session_reuse)"},
    {"bad_http_version.yml",
     "bad_http_version.yml:2:17: defaults.http_version: http_version must be \"1.1\", \"2\" or "
     "\"auto\", got \"3\""},
    {"http2_over_plain_http.yml",
     "http2_over_plain_http.yml:6:19: endpoints[0].http_version: http_version \"2\" needs an "
     "https:// URL (HTTP/2 over plain http, h2c, is not supported)"},
    {"bad_judge.yml",
     "bad_judge.yml:2:34: classes.core.judge: judge must be \"total\" or \"ttfb\", got \"tls\""},
    {"defaults_tls_unknown_key.yml",
     "defaults_tls_unknown_key.yml:3:5: defaults.tls.ca_file: unknown key \"ca_file\" (known: "
     "session_reuse)"},
    {"too_deep.yml",
     "too_deep.yml:6:38: "
     "endpoints[0].labels.x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
     "[0][0][0][0]: nesting deeper than 32 levels"},
    {"unknown_class.yml",
     "unknown_class.yml:14:12: endpoints[2].class: unknown class \"cor\" (known: async, core)"},
    {"unknown_key.yml",
     "unknown_key.yml:5:5: endpoints[0].tiemout: unknown key \"tiemout\" (known: "
     "allow_insecure_redirect, baseline, basic_auth, bearer_token_file, body, class, expect, "
     "headers, http_version, interval, keepalive, labels, max_body, max_redirects, method, "
     "name, "
     "quantiles, timeout, tls, url, window)"},
    {"unknown_top_level_key.yml",
     "unknown_top_level_key.yml:1:1: endpoint: unknown key \"endpoint\" (known: baseline, classes, "
     "defaults, endpoint_files, endpoints)"},
    {"url_bad_port.yml",
     "url_bad_port.yml:3:10: endpoints[0].url: invalid port in URL \"http://127.0.0.1:99999/\""},
    {"url_not_utf8.yml",
     "url_not_utf8.yml:3:10: endpoints[0].url: value is not valid UTF-8 (byte 0xc3 at offset "
     "25)"},
    {"url_not_a_url.yml",
     "url_not_a_url.yml:3:10: endpoints[0].url: invalid URL \"127.0.0.1:8000/health\" (expected "
     "http://host[:port]/path)"},
    {"url_scheme.yml",
     "url_scheme.yml:3:10: endpoints[0].url: unsupported URL scheme \"ftp\" (only http and https "
     "are probed)"},
    {"url_without_host.yml",
     "url_without_host.yml:3:10: endpoints[0].url: URL \"http:///plone/info\" has no host"},
    {"window_shorter_than_interval.yml",
     "window_shorter_than_interval.yml:4:11: defaults.window: window 5s is shorter than interval "
     "10s"},
    {"wrong_kind_endpoint_item.yml",
     "wrong_kind_endpoint_item.yml:2:5: endpoints[0]: expected a map, got a string"},
    {"wrong_kind_endpoints.yml",
     "wrong_kind_endpoints.yml:2:3: endpoints: expected a list, got a map"},
    {"wrong_kind_quantiles.yml",
     "wrong_kind_quantiles.yml:2:14: defaults.quantiles: expected a list of quantiles, got a "
     "string"},
    {"wrong_kind_scalar.yml",
     "wrong_kind_scalar.yml:5:15: endpoints[0].interval: expected a duration, got a list"},
    {"wrong_kind_top_level.yml", "wrong_kind_top_level.yml:1:1: expected a map, got a list"},
};

INSTANTIATE_TEST_SUITE_P(Fixtures, InvalidConfigTest, testing::ValuesIn(kInvalidCases),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) {
                           std::string name = param_info.param.file;
                           name = name.substr(0, name.find('.'));
                           return name;
                         });

}  // namespace
}  // namespace latencyd::config
