#include "daemon/web/status_page.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <vector>

#include "daemon/text/escape.h"
#include "daemon/text/human_units.h"
#include "daemon/web/endpoint_health.h"

namespace latencyd {
namespace {

constexpr char kStyle[] = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .2em}
.meta{color:#555;margin-bottom:1em}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.err{max-width:30em;overflow-wrap:anywhere;color:#a00}
.state{font-weight:bold;white-space:nowrap}
tr.failing .state{color:#fff;background:#c62828}
tr.breached .state{color:#fff;background:#ef6c00}
tr.no_data .state{color:#555;background:#e0e0e0}
tr.ok .state{color:#fff;background:#2e7d32}
.label{display:inline-block;background:#eef;border-radius:3px;padding:0 .3em;margin:0 .2em .1em 0}
.bad{color:#c62828;font-weight:bold}
.old{color:#888}
)";

std::string DisplayState(EndpointHealth health) {
  switch (health) {
    case EndpointHealth::kFailing:
      return "FAILING";
    case EndpointHealth::kBreached:
      return "BREACHED";
    case EndpointHealth::kNoData:
      return "NO DATA";
    case EndpointHealth::kOk:
      return "OK";
  }
  return "NO DATA";
}

std::string UtcTime(double unix_seconds) {
  if (!(unix_seconds > 0)) return "never";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// Every quantile any endpoint reports, ascending: the table's quantile columns.
std::vector<double> QuantileColumns(const DaemonSnapshot& snapshot) {
  std::set<double> quantiles;
  for (const EndpointSnapshot& e : snapshot.endpoints) {
    for (const QuantileValue& q : e.duration.quantiles) {
      if (std::isfinite(q.quantile)) quantiles.insert(q.quantile);
    }
  }
  return {quantiles.begin(), quantiles.end()};
}

std::string Cell(std::string_view html, const char* css_class = nullptr) {
  std::string out = css_class ? std::string("<td class=\"") + css_class + "\">" : "<td>";
  return out.append(html).append("</td>");
}

std::string QuantileCell(const EndpointSnapshot& e, double quantile) {
  for (const QuantileValue& q : e.duration.quantiles) {
    if (q.quantile == quantile) return Cell(HtmlEscape(FormatSeconds(q.seconds)), "num");
  }
  return Cell("", "num");
}

std::string LabelsHtml(const EndpointSnapshot& e) {
  std::string out;
  for (const auto& [key, value] : e.labels) {
    out += "<span class=\"label\">" + HtmlEscape(key) + "=" + HtmlEscape(value) + "</span>";
  }
  return out;
}

std::string LastErrorHtml(const EndpointSnapshot& e) {
  if (e.last_error.empty()) return "";
  // The error outlives later successes (it explains past failures); grey it out then.
  if (e.has_result && e.last_success) {
    return "<span class=\"old\">earlier: " + HtmlEscape(e.last_error) + "</span>";
  }
  std::string out;
  if (!e.last_reason.empty()) out += "<b>" + HtmlEscape(e.last_reason) + "</b> ";
  return out + HtmlEscape(e.last_error);
}

// What the class judges: the judged quantile of the judged duration ("6.1 ms total").
std::string JudgedHtml(const EndpointSnapshot& e) {
  return HtmlEscape(FormatSeconds(e.judged_seconds) + " " + e.judge);
}

// "HTTP/2 · TLSv1.3 · cert until 2026-12-20 00:52 UTC"; what the last connection revealed.
std::string ConnectionHtml(const EndpointSnapshot& e) {
  std::string out;
  if (!e.http_version.empty()) out += "HTTP/" + e.http_version;
  if (!e.tls_version.empty()) out += (out.empty() ? "" : " · ") + e.tls_version;
  if (!std::isnan(e.cert_not_after_unix)) {
    out += (out.empty() ? "" : " · ") + std::string("cert until ") + UtcTime(e.cert_not_after_unix);
  }
  return HtmlEscape(out);
}

// The detector's verdict: since when it holds and the share of recent samples above the
// threshold that backs it.
std::string VerdictHtml(const EndpointSnapshot& e) {
  if (!(e.breached_since_seconds > 0)) return "—";
  std::string out =
      (e.breached ? "breached since " : "ok since ") + UtcTime(e.breached_since_seconds);
  if (std::isfinite(e.breach_evidence)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "<br>%.0f%% of recent samples above", e.breach_evidence * 100);
    out += buf;
  }
  return out;
}

std::string Row(const EndpointSnapshot& e, const std::vector<double>& columns) {
  const EndpointHealth health = HealthOf(e);
  std::string row = "<tr class=\"" + std::string(HealthName(health)) + "\">";
  row += Cell(DisplayState(health), "state");
  row += Cell(HtmlEscape(e.name)) + Cell(HtmlEscape(e.class_name)) + Cell(LabelsHtml(e));
  for (const double quantile : columns) row += QuantileCell(e, quantile);
  row += Cell(
      HtmlEscape(FormatSeconds(e.threshold_seconds) + " @ " + QuantileLabel(e.threshold_quantile)),
      "num");
  row += Cell(JudgedHtml(e), "num");
  row += Cell(VerdictHtml(e));
  row += Cell(std::to_string(e.window_samples), "num");
  row += Cell(std::to_string(e.successes), "num") + Cell(std::to_string(e.failures), "num");
  row += Cell(e.last_http_status > 0 ? std::to_string(e.last_http_status) : "—", "num");
  row += Cell(ConnectionHtml(e));
  row += Cell(LastErrorHtml(e), "err");
  return row + "</tr>\n";
}

std::string Header(const DaemonSnapshot& snapshot) {
  std::string html = "<h1>latencyd</h1>\n<div class=\"meta\">version " +
                     HtmlEscape(snapshot.version) + " (revision " + HtmlEscape(snapshot.revision) +
                     ") · last successful config load " +
                     UtcTime(snapshot.last_reload_success_timestamp_seconds);
  if (!snapshot.last_reload_successful) {
    html += " · <span class=\"bad\">last reload FAILED (the previous config is in use)</span>";
  }
  int counts[4] = {0, 0, 0, 0};
  for (const EndpointSnapshot& e : snapshot.endpoints) ++counts[static_cast<int>(HealthOf(e))];
  html += "<br>" + std::to_string(snapshot.endpoints.size()) +
          " endpoints: " + std::to_string(counts[0]) + " failing, " + std::to_string(counts[1]) +
          " breached, " + std::to_string(counts[2]) + " no data, " + std::to_string(counts[3]) +
          " ok" +
          " · <a href=\"/metrics\">metrics</a> · <a href=\"/api/v1/endpoints\">JSON</a></div>\n";
  return html;
}

}  // namespace

std::string QuantileLabel(double quantile) { return "p" + FormatGeneral(quantile * 100, 4); }

std::string RenderStatusPage(const DaemonSnapshot& snapshot) {
  const std::vector<double> columns = QuantileColumns(snapshot);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"refresh\" content=\"10\">\n<title>latencyd status</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n" + Header(snapshot);
  html += "<table>\n<tr><th>State</th><th>Endpoint</th><th>Class</th><th>Labels</th>";
  for (const double quantile : columns) html += "<th>" + QuantileLabel(quantile) + "</th>";
  html +=
      "<th>Threshold</th><th>Judged</th><th>Verdict</th><th>Samples</th><th>Successes</"
      "th><th>Failures</th>"
      "<th>Last status</th><th>Connection</th><th>Last error</th></tr>\n";
  for (const EndpointSnapshot* e : WorstFirst(snapshot)) html += Row(*e, columns);
  if (snapshot.endpoints.empty()) {
    html += "<tr><td colspan=\"" + std::to_string(13 + columns.size()) +
            "\">No endpoints configured.</td></tr>\n";
  }
  return html + "</table>\n</body>\n</html>\n";
}

}  // namespace latencyd
