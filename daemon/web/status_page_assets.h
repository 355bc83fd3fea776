// The status page's inline CSS and script, kept apart from the markup code. The script
// refetches the page itself every 10 s and swaps in the new header and table (no reload
// flicker, one server-side renderer and escaper for both), and keeps every "12 s ago" ticking.
#pragma once

namespace latencyd {

inline constexpr char kStatusPageStyle[] = R"css(
:root{--ok:#1b7a3a;--breached:#a85a00;--failing:#c2261f;--nodata:#5f6670;--ink:#1d2127;
--muted:#5b6470;--line:#dfe3e8;--bg:#f4f6f8}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--ink);
background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:10px 16px 8px}
.top{display:flex;align-items:baseline;gap:12px;flex-wrap:wrap}
h1{font-size:20px;margin:0}
.updated{color:var(--muted);font-size:13px}
.updated.stale{color:var(--failing);font-weight:600}
.updated.stale::after{content:" (update failed, retrying)"}
.summary{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 4px}
.count{display:inline-block;padding:3px 10px;border-radius:14px;border:1px solid var(--line);
color:var(--ink);text-decoration:none;background:#fff}
.count b{font-size:15px}
.count.failing:not(.zero){border-color:var(--failing);color:var(--failing)}
.count.breached:not(.zero){border-color:var(--breached);color:var(--breached)}
.count.ok{color:var(--ok)}
.count[aria-current]{outline:2px solid var(--ink);outline-offset:1px}
.classes,.meta{color:var(--muted);font-size:13px;margin-top:2px}
.classes a[aria-current]{font-weight:700;color:var(--ink)}
a{color:#0b57d0}
.bad{color:var(--failing)}
main{padding:8px 16px 24px}
.pager{margin:6px 0;color:var(--muted)}
table.endpoints{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
.endpoints th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;
padding:6px 10px;border-bottom:1px solid var(--line);background:#fafbfc}
.endpoints td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.endpoints tr.failing td:first-child{box-shadow:inset 4px 0 var(--failing)}
.endpoints tr.breached td:first-child{box-shadow:inset 4px 0 var(--breached)}
.badge{display:inline-block;white-space:nowrap;padding:2px 8px;border-radius:4px;font-weight:700;
font-size:12px;letter-spacing:.02em;color:#fff}
.badge.failing{background:var(--failing)}
.badge.breached{background:var(--breached)}
.badge.ok{background:var(--ok)}
.badge.no_data{background:#e4e7eb;color:var(--nodata)}
.since{color:var(--muted);font-size:12px;margin-top:3px;white-space:nowrap}
.name{font-weight:600;overflow-wrap:anywhere}
.tags{margin-top:2px}
.class,.label{display:inline-block;font-size:12px;padding:0 5px;border-radius:3px;
background:#eef1f5;color:#39424e;overflow-wrap:anywhere}
.class{background:#e3ecfb}
.url{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted);
overflow-wrap:anywhere;margin-top:3px}
td.judged{white-space:nowrap}
.judged .q{color:var(--muted);font-size:12px}
.judged .value{font-size:17px;font-variant-numeric:tabular-nums}
.limit{color:var(--muted);font-size:12px}
.delta{font-size:12px;font-weight:600;font-variant-numeric:tabular-nums}
.delta.over{color:var(--failing)}
.delta.under{color:var(--ok)}
td.trend{width:220px}
svg.spark{display:block;width:200px;height:34px;background:#fafbfc;border:1px solid #eceff3}
svg.spark .limit{stroke:var(--failing);stroke-width:1;stroke-dasharray:4 3;fill:none}
svg.spark .median{stroke:#2457c5;stroke-width:1.5;fill:none;stroke-linejoin:round}
svg.avail{display:block;width:200px;height:7px;margin-top:3px}
.c-empty{fill:#e4e7eb}.c-ok{fill:#3f9b5d}.c-breached{fill:#e69a28}.c-somefailed{fill:#e0685f}
.c-failed{fill:#b3211b}
.uptime{font-size:12px;color:var(--muted);margin-top:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
td.last{font-size:13px;max-width:24em}
.err{color:var(--failing);font-size:12px;overflow-wrap:anywhere;margin-top:2px}
.err.old{color:var(--muted)}
td.window{font-size:12px;color:var(--muted);font-variant-numeric:tabular-nums}
.counts{margin-top:2px}
@media (max-width:760px){
header{padding:8px 10px}
main{padding:6px 0 16px}
.pager{padding:0 10px}
table.endpoints,.endpoints tbody{display:block;border:0}
.endpoints thead{display:none}
.endpoints tr{display:grid;grid-template-columns:minmax(0,1fr) auto;
grid-template-areas:"name state" "judged trend" "last last" "win win";gap:6px 12px;
padding:10px 12px;background:#fff;border-bottom:1px solid var(--line)}
.endpoints td{display:block;padding:0;border:0;min-width:0;width:auto;max-width:none}
td.endpoint{grid-area:name}
td.state{grid-area:state;text-align:right}
td.judged{grid-area:judged}
td.trend{grid-area:trend}
td.last{grid-area:last}
td.window{grid-area:win}
.endpoints tr.failing td:first-child,.endpoints tr.breached td:first-child{box-shadow:none}
.endpoints tr.failing{box-shadow:inset 4px 0 var(--failing)}
.endpoints tr.breached{box-shadow:inset 4px 0 var(--breached)}
svg.spark,svg.avail{width:150px}
}
)css";

inline constexpr char kStatusPageScript[] = R"js(
(function () {
  var generated = +document.body.dataset.generated, loaded = Date.now() / 1000;
  function age(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (s < 86400) return h + ' h' + (m ? ' ' + m + ' min' : '');
    return d + ' d' + (h ? ' ' + h + ' h' : '');
  }
  function tick() {
    var now = generated + Date.now() / 1000 - loaded;
    document.querySelectorAll('[data-at]').forEach(function (e) {
      e.textContent = age(now - +e.dataset.at);
    });
  }
  function swap(doc) {
    ['updated', 'summary', 'classes', 'content'].forEach(function (id) {
      var old = document.getElementById(id), fresh = doc.getElementById(id);
      if (old && fresh) old.replaceWith(document.adoptNode(fresh));
    });
    generated = +doc.body.dataset.generated;
    loaded = Date.now() / 1000;
    tick();
  }
  function poll() {
    if (document.hidden) return;
    fetch(location.href, {cache: 'no-store'}).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (text) {
      swap(new DOMParser().parseFromString(text, 'text/html'));
    }).catch(function () {
      var u = document.getElementById('updated');
      if (u) u.classList.add('stale');
    });
  }
  setInterval(tick, 1000);
  setInterval(poll, 10000);
  // A tab brought back to the front catches up at once instead of within 10 s.
  document.addEventListener('visibilitychange', poll);
})();
)js";

}  // namespace latencyd
