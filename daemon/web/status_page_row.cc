// One endpoint's row of the status page: state and since when, name, labels and URL, the
// judged quantile against the threshold, 24 h sparkline, availability and uptime, last check.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "daemon/text/escape.h"
#include "daemon/text/human_units.h"
#include "daemon/web/endpoint_health.h"
#include "daemon/web/history_charts.h"
#include "daemon/web/status_page.h"

namespace latencyd {
namespace {

// Text first, colour second: the symbol and the word carry the state without colour.
std::string Badge(EndpointHealth health) {
  switch (health) {
    case EndpointHealth::kFailing:
      return "<span class=\"badge failing\"><span aria-hidden=\"true\">&#x2716;</span> "
             "FAILING</span>";
    case EndpointHealth::kBreached:
      return "<span class=\"badge breached\"><span aria-hidden=\"true\">&#x25B2;</span> "
             "BREACHED</span>";
    case EndpointHealth::kNoData:
      return "<span class=\"badge no_data\"><span aria-hidden=\"true\">&#x25CB;</span> "
             "NO DATA</span>";
    case EndpointHealth::kOk:
      return "<span class=\"badge ok\"><span aria-hidden=\"true\">&#x2714;</span> OK</span>";
  }
  return "";
}

// "5 min" that the page's script keeps current; `at` is a unix time.
std::string Ago(double at, double now) {
  char unix[32];
  std::snprintf(unix, sizeof unix, "%.0f", at);
  return "<span data-at=\"" + std::string(unix) + "\">" + FormatAge(now - at) + "</span>";
}

std::string StateCell(const EndpointSnapshot& e, EndpointHealth health, double now) {
  std::string cell = "<td class=\"state\">" + Badge(health);
  const double since = StateSince(e);
  if (since > 0) {
    const char* what = health == EndpointHealth::kFailing    ? "failing"
                       : health == EndpointHealth::kBreached ? "breached"
                                                             : "ok";
    cell += "<div class=\"since\" title=\"" + FormatUtc(since) + "\">" + what + " for " +
            Ago(since, now) + "</div>";
  }
  // The evidence behind the detector's verdict (README, "Breach"): the recent share of judged
  // samples above the threshold.
  if (std::isfinite(e.breach_evidence)) {
    cell += "<div class=\"evidence\">" + FormatFixed(e.breach_evidence * 100, 0) +
            "% of recent samples above</div>";
  }
  return cell + "</td>";
}

std::string EndpointCell(const EndpointSnapshot& e) {
  std::string cell = "<td class=\"endpoint\"><div class=\"name\">" + HtmlEscape(e.name) +
                     "</div><div class=\"tags\"><span class=\"class\">" + HtmlEscape(e.class_name) +
                     "</span>";
  for (const auto& [key, value] : e.labels) {
    cell += " <span class=\"label\">" + HtmlEscape(key) + "=" + HtmlEscape(value) + "</span>";
  }
  cell += "</div>";
  if (!e.url.empty()) cell += "<div class=\"url\">" + HtmlEscape(e.url) + "</div>";
  return cell + "</td>";
}

std::string Delta(const EndpointSnapshot& e) {
  if (!std::isfinite(e.judged_seconds) || !(e.threshold_seconds > 0)) return "";
  const double ratio = e.judged_seconds / e.threshold_seconds;
  const double diff = e.judged_seconds - e.threshold_seconds;
  char text[96];
  // Two significant digits below 1, so a fast endpoint far under a large budget does not
  // read "0.00x".
  std::snprintf(text, sizeof text, ratio < 1 ? "%.2g&times;" : "%.2f&times;", ratio);
  const bool over = diff > 0;
  return std::string("<div class=\"delta ") + (over ? "over" : "under") + "\">" +
         (over ? "&#x25B2; " : "&#x25BD; ") + text + " (" + (over ? "+" : "&minus;") +
         FormatSeconds(std::fabs(diff)) + ")</div>";
}

std::string JudgedCell(const EndpointSnapshot& e) {
  // "p50 ttfb" when the class judges the time to first byte rather than the total.
  const std::string judge = e.judge.empty() || e.judge == "total" ? "" : " " + HtmlEscape(e.judge);
  return "<td class=\"judged\"><div><span class=\"q\">" + QuantileLabel(e.threshold_quantile) +
         judge + "</span> <b class=\"value\">" + HtmlEscape(FormatSeconds(e.judged_seconds)) +
         "</b></div><div class=\"limit\">limit <span class=\"threshold\">" +
         HtmlEscape(FormatSeconds(e.threshold_seconds)) + "</span></div>" + Delta(e) + "</td>";
}

std::string Uptime(const EndpointSnapshot& e) {
  if (!std::isfinite(e.uptime_ratio_24h)) return "no probes in 24 h";
  char text[32];
  // Two decimals, but never round a failure away to "100.00 %".
  double percent = e.uptime_ratio_24h * 100;
  if (percent < 100 && percent > 99.99) percent = 99.99;
  std::snprintf(text, sizeof text, "%.2f %%", percent);
  return std::string(text) + " up in 24 h";
}

// What the sparkline shows, for screen readers (the SVG itself is hidden from them).
std::string TrendText(const EndpointSnapshot& e, const std::vector<HistoryBucket>& history) {
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (const HistoryBucket& b : history) {
    if (!std::isfinite(b.median_seconds)) continue;
    low = std::min(low, b.median_seconds);
    high = std::max(high, b.median_seconds);
  }
  if (!std::isfinite(low)) return "";
  return "<span class=\"sr\">24 h medians " + HtmlEscape(FormatSeconds(low)) + " to " +
         HtmlEscape(FormatSeconds(high)) + ", limit " +
         HtmlEscape(FormatSeconds(e.threshold_seconds)) + ". </span>";
}

std::string TrendCell(const EndpointSnapshot& e, const std::vector<HistoryBucket>& history) {
  std::string cell =
      "<td class=\"trend\" title=\"last 24 h in 5-minute buckets: median line, dashed "
      "threshold; bar: green ok, orange breached, red failures, grey no probes\">";
  if (!history.empty()) {
    cell += SparklineSvg(history, e.threshold_seconds) + AvailabilitySvg(history) +
            TrendText(e, history);
  }
  return cell + "<div class=\"uptime\">" + Uptime(e) + "</div></td>";
}

std::string LastError(const EndpointSnapshot& e) {
  if (e.last_error.empty()) return "";
  // The error outlives later successes (it explains past failures); grey it out then.
  if (e.has_result && e.last_success) {
    return "<div class=\"err old\">earlier: " + HtmlEscape(e.last_error) + "</div>";
  }
  std::string out = "<div class=\"err\">";
  if (!e.last_reason.empty()) out += "<b>" + HtmlEscape(e.last_reason) + "</b> ";
  return out + HtmlEscape(e.last_error) + "</div>";
}

std::string LastCell(const EndpointSnapshot& e, double now) {
  std::string cell = "<td class=\"last\">";
  if (!e.has_result) return cell + "not yet probed</td>";
  cell += "<div>" + Ago(e.last_probe_timestamp_seconds, now) + " ago";
  if (e.last_http_status > 0) cell += " &middot; HTTP " + std::to_string(e.last_http_status);
  return cell + "</div>" + LastError(e) + "</td>";
}

// "HTTP/2 · TLSv1.3 · cert until 2026-12-20 00:52:00 UTC": what the last connection revealed.
std::string ConnectionHtml(const EndpointSnapshot& e) {
  std::string out;
  if (!e.http_version.empty()) out += "HTTP/" + e.http_version;
  if (!e.tls_version.empty()) out += (out.empty() ? "" : " · ") + e.tls_version;
  if (!std::isnan(e.cert_not_after_unix)) {
    out +=
        (out.empty() ? "" : " · ") + std::string("cert until ") + FormatUtc(e.cert_not_after_unix);
  }
  return out.empty() ? "" : "<div class=\"conn\">" + HtmlEscape(out) + "</div>";
}

std::string WindowCell(const EndpointSnapshot& e) {
  std::string quantiles;
  for (const QuantileValue& q : e.duration.quantiles) {
    if (!quantiles.empty()) quantiles += " &middot; ";
    quantiles += QuantileLabel(q.quantile) + " " + HtmlEscape(FormatSeconds(q.seconds));
  }
  std::string cell = "<td class=\"window\"><div>" + quantiles + "</div><div class=\"counts\">" +
                     std::to_string(e.window_samples) + " samples &middot; " +
                     std::to_string(e.successes) + " ok &middot; " + std::to_string(e.failures) +
                     " failed &middot; " + std::to_string(e.skipped) + " skipped</div>";
  return cell + ConnectionHtml(e) + "</td>";
}

}  // namespace

std::string StatusRow(const EndpointSnapshot& e, const std::vector<HistoryBucket>& history,
                      double now) {
  const EndpointHealth health = HealthOf(e);
  std::string row = "<tr class=\"" + std::string(HealthName(health)) + "\">";
  row += StateCell(e, health, now) + EndpointCell(e) + JudgedCell(e) + TrendCell(e, history);
  row += LastCell(e, now) + WindowCell(e);
  return row + "</tr>\n";
}

}  // namespace latencyd
