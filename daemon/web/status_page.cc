#include "daemon/web/status_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "daemon/text/escape.h"
#include "daemon/text/human_units.h"
#include "daemon/web/endpoint_health.h"
#include "daemon/web/status_page_assets.h"

namespace latencyd {
namespace {

constexpr EndpointHealth kHealthOrder[] = {EndpointHealth::kFailing, EndpointHealth::kBreached,
                                           EndpointHealth::kNoData, EndpointHealth::kOk};

std::string HealthWords(EndpointHealth health) {
  return health == EndpointHealth::kNoData ? "no data" : std::string(HealthName(health));
}

std::string Link(const std::string& href, const std::string& html, const std::string& css,
                 bool current) {
  return "<a class=\"" + css + "\" href=\"" + (href.empty() ? "?" : HtmlEscape(href)) + "\"" +
         (current ? " aria-current=\"page\"" : "") + ">" + html + "</a>";
}

// Counts over every endpoint (not just the filtered ones), each a link to that state.
std::string StateSummary(const DaemonSnapshot& snapshot, const EndpointFilter& filter) {
  int counts[4] = {0, 0, 0, 0};
  for (const EndpointSnapshot& e : snapshot.endpoints) ++counts[static_cast<int>(HealthOf(e))];
  EndpointFilter all = filter;
  all.states.clear();
  std::string html = "<nav id=\"summary\" class=\"summary\" aria-label=\"Filter by state\">";
  html += Link(FilterQuery(all, 1),
               "<b>" + std::to_string(snapshot.endpoints.size()) + "</b> endpoints", "count all",
               filter.states.empty());
  for (const EndpointHealth health : kHealthOrder) {
    EndpointFilter one = filter;
    one.states = {std::string(HealthName(health))};
    const int count = counts[static_cast<int>(health)];
    html += Link(FilterQuery(one, 1), "<b>" + std::to_string(count) + "</b> " + HealthWords(health),
                 "count " + std::string(HealthName(health)) + (count == 0 ? " zero" : ""),
                 filter.states == one.states);
  }
  return html + "</nav>\n";
}

std::string ClassSummary(const DaemonSnapshot& snapshot, const EndpointFilter& filter) {
  std::map<std::string, int> classes;
  for (const EndpointSnapshot& e : snapshot.endpoints) ++classes[e.class_name];
  EndpointFilter any = filter;
  any.classes.clear();
  std::string html = "<nav id=\"classes\" class=\"classes\" aria-label=\"Filter by class\">class: ";
  html += Link(FilterQuery(any, 1), "all", "", filter.classes.empty());
  for (const auto& [name, count] : classes) {
    EndpointFilter one = filter;
    one.classes = {name};
    html += " " + Link(FilterQuery(one, 1),
                       HtmlEscape(name) + " <small>" + std::to_string(count) + "</small>", "",
                       filter.classes == one.classes);
  }
  return html + "</nav>\n";
}

std::string Header(const DaemonSnapshot& snapshot, const EndpointFilter& filter) {
  std::string html = "<header>\n<div class=\"top\"><h1>latencyd</h1>";
  char generated[32];
  std::snprintf(generated, sizeof generated, "%.3f", snapshot.generated_at_seconds);
  html += "<span id=\"updated\" class=\"updated\" data-generated=\"" + std::string(generated) +
          "\">updated <time>" + FormatUtc(snapshot.generated_at_seconds) + "</time></span></div>\n";
  html += StateSummary(snapshot, filter) + ClassSummary(snapshot, filter);
  html += "<div class=\"meta\">version " + HtmlEscape(snapshot.version) + " (revision " +
          HtmlEscape(snapshot.revision) + ") &middot; config loaded " +
          FormatUtc(snapshot.last_reload_success_timestamp_seconds);
  if (!snapshot.last_reload_successful) {
    html +=
        " &middot; <strong class=\"bad\">last reload FAILED (the previous config is in "
        "use)</strong>";
  }
  // The JSON link carries the page's filter, so it shows the same endpoints.
  return html + " &middot; <a href=\"/metrics\">metrics</a> &middot; <a href=\"/api/v1/endpoints" +
         HtmlEscape(FilterQuery(filter, 1)) + "\">JSON</a></div>\n</header>\n";
}

std::string Pager(const EndpointFilter& filter, std::size_t shown_from, std::size_t shown_to,
                  std::size_t total, std::size_t pages) {
  std::string html = "<p class=\"pager\">";
  if (total == 0) return html + "No endpoints match.</p>\n";
  html += "Showing " + std::to_string(shown_from + 1) + "&ndash;" + std::to_string(shown_to) +
          " of " + std::to_string(total);
  if (filter.page > 1) {
    html +=
        " &middot; " + Link(FilterQuery(filter, filter.page - 1), "&lsaquo; previous", "", false);
  }
  if (filter.page < pages) {
    html += " &middot; " + Link(FilterQuery(filter, filter.page + 1), "next &rsaquo;", "", false);
  }
  return html + "</p>\n";
}

std::string Table(const DaemonSnapshot& snapshot, const EndpointFilter& filter,
                  const HistoryLookup& history) {
  const std::vector<const EndpointSnapshot*> rows = filter.Select(WorstFirst(snapshot));
  const std::size_t pages =
      std::max<std::size_t>(1, (rows.size() + kStatusPageRows - 1) / kStatusPageRows);
  const std::size_t page = std::min(filter.page, pages);
  const std::size_t from = std::min(rows.size(), (page - 1) * kStatusPageRows);
  const std::size_t to = std::min(rows.size(), from + kStatusPageRows);
  EndpointFilter shown = filter;
  shown.page = page;
  std::string html = "<main id=\"content\">\n";
  if (snapshot.endpoints.empty())
    return html + "<p class=\"pager\">No endpoints configured.</p>\n</main>\n";
  html += Pager(shown, from, to, rows.size(), pages);
  if (rows.empty()) return html + "</main>\n";
  html +=
      "<table class=\"endpoints\">\n<thead><tr><th>State</th><th>Endpoint</th>"
      "<th>Judged vs threshold</th><th>Last 24 h</th><th>Last check</th><th>Window</th>"
      "</tr></thead>\n<tbody>\n";
  for (std::size_t i = from; i < to; ++i) {
    const EndpointSnapshot& e = *rows[i];
    html += StatusRow(e, history ? history(e) : e.history, snapshot.generated_at_seconds);
  }
  html += "</tbody>\n</table>\n";
  if (to - from > 20) html += Pager(shown, from, to, rows.size(), pages);
  return html + "</main>\n";
}

}  // namespace

std::string QuantileLabel(double quantile) { return "p" + FormatGeneral(quantile * 100, 4); }

std::string RenderStatusPage(const DaemonSnapshot& snapshot, const EndpointFilter& filter,
                             const HistoryLookup& history) {
  char generated[32];
  std::snprintf(generated, sizeof generated, "%.3f", snapshot.generated_at_seconds);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>latencyd status</title>\n<style>";
  html += kStatusPageStyle;
  html += "</style>\n</head>\n<body data-generated=\"" + std::string(generated) + "\">\n";
  html += Header(snapshot, filter) + Table(snapshot, filter, history);
  html += "<script>";
  html += kStatusPageScript;
  return html + "</script>\n</body>\n</html>\n";
}

}  // namespace latencyd
