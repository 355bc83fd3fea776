#!/usr/bin/env python3
"""The status page in a real headless Chromium, at 1400 px and at 390 px (a phone).

Pages come from two sources: status_page_fixture (a made-up day of history with every state
and hostile labels and error texts) and the real latencyd binary probing loopback targets.
For each page and width: a screenshot kept in --artifacts, and checks made in the rendered DOM
by a script appended to a copy of the page (the page as laid out by the browser): every row's
state, judged value and threshold are visible inside the viewport's width, the history is
drawn, nothing scrolls sideways, and no hostile text became markup or ran. The real daemon's
page must also update itself in place (no reload) when its script polls.
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CHECKER = r"""
<script>
(function () {
  var initial = document.getElementById('updated');
  initial = initial ? initial.dataset.generated : null;
  function visible(el) {
    if (!el) return false;
    var r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    var width = document.documentElement.clientWidth;
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width + 0.5 &&
        cs.visibility !== 'hidden' && cs.display !== 'none' && +cs.opacity > 0;
  }
  function text(el) { return el ? el.textContent.trim() : null; }
  function check() {
    var rows = [];
    document.querySelectorAll('table.endpoints tbody tr').forEach(function (tr) {
      var badge = tr.querySelector('.badge'), value = tr.querySelector('.judged .value');
      var threshold = tr.querySelector('.judged .threshold'), spark = tr.querySelector('svg.spark');
      var path = tr.querySelector('svg.spark path.median');
      rows.push({
        name: text(tr.querySelector('.name')), name_visible: visible(tr.querySelector('.name')),
        state: text(badge), state_visible: visible(badge),
        judged: text(value), judged_visible: visible(value),
        threshold: text(threshold), threshold_visible: visible(threshold),
        spark_visible: visible(spark),
        spark_points: path ? (path.getAttribute('d').match(/[ML]/g) || []).length : 0,
        spark_length: path ? path.getTotalLength() : 0,
        avail_segments: tr.querySelectorAll('svg.avail rect').length,
        uptime: text(tr.querySelector('.uptime')),
      });
    });
    var out = document.createElement('pre');
    out.id = 'layout-check';
    var updated = document.getElementById('updated');
    out.textContent = JSON.stringify({
      width: document.documentElement.clientWidth,
      scroll_width: document.documentElement.scrollWidth,
      title: document.title,
      scripts: document.querySelectorAll('script').length,
      injected: document.querySelectorAll('img, [onerror], [onload], svg:not(.spark):not(.avail)').length,
      summary: text(document.getElementById('summary')),
      pager: text(document.querySelector('.pager')),
      initial_generated: initial,
      generated: updated ? updated.dataset.generated : null,
      rows: rows,
    });
    document.body.appendChild(out);
  }
  // After the page's own poll when a delay is asked for (virtual time: no real wait).
  var delay = +(document.documentElement.dataset.checkAfter || 0);
  if (delay) setTimeout(check, delay); else check();
})();
</script>
"""

FAILURES = []


def expect(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message, flush=True)


def chromium(args, binary, width, height, extra):
    profile = tempfile.mkdtemp(prefix="latencyd-chromium-")
    try:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--hide-scrollbars",
                   "--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height)]
        result = subprocess.run(command + extra + args, capture_output=True, text=True,
                                timeout=120)
        return result
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(binary, url, path, width, height):
    result = chromium([url], binary, width, height, ["--screenshot=" + path])
    expect(os.path.getsize(path) > 10_000 if os.path.exists(path) else False,
           "no screenshot %s: %s" % (path, result.stderr[-2000:]))


def layout(binary, html, work, width, check_after_ms=0, budget_ms=3000):
    """Loads `html` with the checker appended; returns the checker's findings."""
    if check_after_ms:
        html = html.replace("<html lang=\"en\">",
                            "<html lang=\"en\" data-check-after=\"%d\">" % check_after_ms, 1)
    page = os.path.join(work, "check-%d.html" % width)
    with open(page, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", CHECKER + "</body>"))
    result = chromium(["file://" + page], binary, width, 900,
                      ["--dump-dom", "--virtual-time-budget=%d" % budget_ms])
    match = re.search(r'<pre id="layout-check">(.*?)</pre>', result.stdout, re.S)
    if not match:
        FAILURES.append("no layout check in the DOM at %d px: %s" % (width, result.stderr[-2000:]))
        return None
    import html as html_module
    return json.loads(html_module.unescape(match.group(1)))


def check_rows(found, what, width, want_history=True):
    if found is None:
        return
    where = "%s at %d px" % (what, width)
    expect(found["scroll_width"] <= found["width"],
           "%s scrolls sideways (%d > %d)" % (where, found["scroll_width"], found["width"]))
    expect(found["title"] == "latencyd status", "%s: title changed to %r" % (where, found["title"]))
    expect(found["injected"] == 0, "%s: %d injected elements" % (where, found["injected"]))
    expect(found["rows"], "%s: no rows" % where)
    for row in found["rows"]:
        name = row["name"]
        for key in ("name", "state", "judged", "threshold"):
            expect(row[key + "_visible"], "%s: %s of %r not visible" % (where, key, name))
        expect(row["state"] in ("✖ FAILING", "▲ BREACHED", "○ NO DATA", "✔ OK"),
               "%s: state of %r reads %r" % (where, name, row["state"]))
        expect(row["threshold"] and row["threshold"] != "-", "%s: no threshold for %r" % (where, name))
        if want_history and row["state"] != "○ NO DATA":
            expect(row["spark_visible"], "%s: no sparkline for %r" % (where, name))
            expect(row["avail_segments"] > 1, "%s: no availability for %r" % (where, name))
            # A line needs successful probes; an endpoint failing all along has none.
            if row["state"] != "✖ FAILING":
                expect(row["spark_length"] > 0, "%s: no median line for %r" % (where, name))


def fixture_pages(args, work):
    subprocess.run([args.fixture, work], check=True)
    with open(os.path.join(work, "status.html"), encoding="utf-8") as f:
        mixed = f.read()
    for width, height in ((1400, 1100), (390, 2600)):
        screenshot(args.chromium, "file://" + os.path.join(work, "status.html"),
                   os.path.join(args.artifacts, "fixture-%d.png" % width), width, height)
        found = layout(args.chromium, mixed, work, width)
        check_rows(found, "fixture page", width)
        if found:
            expect(len(found["rows"]) == 13, "fixture page: %d rows" % len(found["rows"]))
            states = [row["state"] for row in found["rows"]]
            expect(states[:2] == ["✖ FAILING", "✖ FAILING"] and states[2] == "▲ BREACHED",
                   "fixture page: not worst first: %s" % states)
            expect(found["scripts"] == 2, "fixture page: %d scripts" % found["scripts"])
            hostile = [r for r in found["rows"] if r["name"].startswith("<img")]
            expect(len(hostile) == 1, "hostile name not shown as text")
    with open(os.path.join(work, "status-many.html"), encoding="utf-8") as f:
        many = f.read()
    started = time.monotonic()
    found = layout(args.chromium, many, work, 1400)
    print("10,000 endpoints, page 1: %d bytes, loaded and checked in %.1f s" %
          (len(many), time.monotonic() - started))
    check_rows(found, "10k page", 1400)
    if found:
        expect(len(found["rows"]) == 100, "10k page: %d rows" % len(found["rows"]))
        expect("of 10000" in found["pager"], "10k page pager: %r" % found["pager"])


class Target(http.server.BaseHTTPRequestHandler):
    """Loopback targets: /fast answers at once, /slow after 12 ms, /broken with 500."""

    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(0.012)
        status = 500 if self.path.startswith("/broken") else 200
        body = b"<h1>oops</h1><script>document.title='XSS'</script>" if status == 500 else b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *unused):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def real_daemon(args, work):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    config = os.path.join(work, "latencyd.yml")
    with open(config, "w") as f:
        f.write("defaults: { interval: 200ms, timeout: 200ms, window: 1m }\n"
                "classes:\n  core: { threshold: 5ms, quantile: 0.5, min_samples: 3 }\n"
                # A loaded machine can slow even /fast past 5 ms: give it room to stay ok.
                "  relaxed: { threshold: 500ms, quantile: 0.5, min_samples: 3 }\n"
                "endpoints:\n"
                "  - { name: fast, url: '%s/fast?token=s3cret', class: relaxed }\n"
                "  - { name: slow, url: '%s/slow', class: core }\n"
                "  - { name: broken, url: '%s/broken', class: core,\n"
                "      labels: { owner: \"<script>document.title='XSS'</script>\" } }\n"
                % (base, base, base))
    port = free_port()
    log = open(os.path.join(args.artifacts, "latencyd.log"), "w")
    daemon = subprocess.Popen([args.latencyd, "--config.file=" + config,
                               "--web.listen-address=127.0.0.1:%d" % port], stderr=log)
    url = "http://127.0.0.1:%d/" % port
    try:
        deadline = time.monotonic() + 60
        data = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "api/v1/endpoints", timeout=5) as r:
                    data = json.load(r)
                states = {e["name"]: e["state"] for e in data["endpoints"]}
                if states == {"fast": "ok", "slow": "breached", "broken": "failing"}:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        expect(data is not None and {e["state"] for e in data["endpoints"]} ==
               {"ok", "breached", "failing"}, "daemon never reached its states: %s" % data)
        with urllib.request.urlopen(url, timeout=10) as r:
            page = r.read().decode()
        expect("s3cret" not in page, "the page shows the token")
        for width, height in ((1400, 700), (390, 1300)):
            screenshot(args.chromium, url, os.path.join(args.artifacts, "daemon-%d.png" % width),
                       width, height)
            check_rows(layout(args.chromium, page, work, width), "daemon page", width)
        # The page's script refetches the page after 10 s and swaps header and table in place.
        # Served from the daemon itself (same origin), so load it there with the checker.
        found = layout_live(args, url, work)
        if found:
            expect(found["generated"] and found["generated"] != found["initial_generated"],
                   "the page did not update itself: %s -> %s" %
                   (found["initial_generated"], found["generated"]))
            check_rows(found, "daemon page after an update", 1400)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        server.shutdown()
        log.close()


def layout_live(args, url, work):
    """The daemon page with the checker, served from a proxy on the same origin as its JSON."""
    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                r = urllib.request.urlopen(url.rstrip("/") + self.path, timeout=10)
            except urllib.error.HTTPError as error:
                self.send_error(error.code)
                return
            with r:
                body = r.read().decode()
            if "text/html" in r.headers["Content-Type"]:
                body = body.replace("<html lang=\"en\">",
                                    "<html lang=\"en\" data-check-after=\"11000\">", 1)
                body = body.replace("</body>", CHECKER + "</body>")
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", r.headers["Content-Type"])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *unused):
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        result = chromium(["http://127.0.0.1:%d/" % proxy.server_address[1]], args.chromium,
                          1400, 900, ["--dump-dom", "--virtual-time-budget=14000"])
    finally:
        proxy.shutdown()
    match = re.search(r'<pre id="layout-check">(.*?)</pre>', result.stdout, re.S)
    if not match:
        FAILURES.append("no layout check after the update: " + result.stderr[-2000:])
        return None
    import html as html_module
    return json.loads(html_module.unescape(match.group(1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--latencyd", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    if shutil.which(args.chromium) is None:
        print("FAIL: %s not found (scripts/install-deps.sh test installs chromium)" % args.chromium)
        return 1
    os.makedirs(args.artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="latencyd-browser-")
    try:
        fixture_pages(args, work)
        real_daemon(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("screenshots in " + args.artifacts)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
