#!/usr/bin/env python3
"""End-to-end test: the real latencyd, Prometheus and Alertmanager on loopback.

What runs (every process on 127.0.0.1, started here and stopped by PID):
  * fixture endpoints (test/e2e/e2e_fixture: the shared FixtureServer of test/support,
    routes driven over its stdin) under and over each class
    threshold: core_fast (0 ms, core 5 ms), core_slow (20 ms), async_fast (30 ms, async
    100 ms), async_slow (300 ms), core_failing (HTTP 500);
  * latencyd probing them (250 ms interval for core, 1 s for async, 10 s window);
  * Prometheus with prometheus/prometheus.example.yml and prometheus/latencyd.rules.yml as
    shipped, except: listen addresses, 1 s scrape/evaluation intervals (also for the rule
    group with its own interval), and every alert's `for` cut to FOR_IN_TEST except
    LatencydThresholdBreached's, kept as shipped (the production values are covered by
    prometheus/latencyd.rules.test.yml). Its TSDB is
    first backfilled with
    `promtool tsdb create-blocks-from openmetrics` with the hourly median level 1 day and
    7 days ago, so the trend queries and the regression alert have history;
  * Alertmanager with prometheus/alertmanager.example.yml as shipped, except: the webhook
    URL points at a receiver in this process, group_wait/group_interval 1 s.

What it proves:
  1. LatencydThresholdBreached fires for core_slow and async_slow and for no other
     endpoint, reaches Alertmanager and is delivered to the webhook with its labels
     (including the endpoint's own labels) and annotations;
  2. LatencydMedianRegression fires from the backfilled week-old level for exactly the
     endpoints backfilled as 20x faster a week ago; LatencydProbesFailing fires for
     core_failing only; every rule evaluates without error;
  3. every dashboard query (panels and variables) and every Grafana alert query is valid
     PromQL that returns data, as an instant query and as a range query, and the Grafana
     alert rules' thresholds pass for exactly the endpoints the Prometheus alerts fire for;
     an HTTPS endpoint (Python ssl, certificate made at test time, class judged on ttfb)
     exports the certificate's notAfter as its earliest certificate expiry;
  4. when core_slow becomes fast, its alert resolves in Prometheus and the webhook gets
     the resolved notification, while async_slow keeps firing;
  5. when core_step steps from 0 to 20 ms (4x its 5 ms threshold), the webhook gets the
     firing notification within STEP_NOTIFY_WITHIN (60) seconds of the step — with the
     shipped `for` of LatencydThresholdBreached, probes every 250 ms (scaled down from 1 s),
     scrape and evaluation every 1 s (from 15 s), group_wait 1 s — and the resolved one after
     it steps back.

Synchronisation is by polling the APIs against deadlines, never by fixed sleeps.

Usage: e2e_alerting_test.py --latencyd BIN --fixture BIN --root REPO [--prometheus BIN] [--promtool BIN]
                            [--alertmanager BIN] [--keep]
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FOR_IN_TEST = "2s"
CORE_INTERVAL = "250ms"
ASYNC_INTERVAL = "1s"
WINDOW = "10s"

# name -> (class, delay seconds, HTTP status, extra labels)
ENDPOINTS = {
    "core_fast": ("core", 0.0, 200, {}),
    "core_slow": ("core", 0.020, 200, {"team": "checkout"}),
    "async_fast": ("async", 0.030, 200, {}),
    "async_slow": ("async", 0.300, 200, {}),
    "core_failing": ("core", 0.0, 500, {}),
    # Fast until step 5 makes it slow: the detector's verdict must reach the webhook in 60 s.
    "core_step": ("core", 0.0, 200, {}),
}
STEP_DELAY = 0.020
STEP_NOTIFY_WITHIN = 60
# The alert whose `for` the test keeps as shipped (the step-to-notification time is the point).
KEEP_FOR = "LatencydThresholdBreached"
OVER_BUDGET = {"core_slow", "async_slow"}
# Release-benchmark baselines (config `baseline`, literal durations): core_slow's 20 ms median
# is far above 5 ms x 1.15; core_fast is well within 50 ms; the others have none.
BASELINES = {"core_fast": "50ms", "core_slow": "5ms"}
BASELINE_REGRESSED = {"core_slow"}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class TestFailure(Exception):
    pass


def wait_for(description, predicate, timeout, interval=0.25):
    """Polls predicate() until it returns a truthy value; raises TestFailure at the deadline."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ValueError, KeyError, urllib.error.URLError) as error:
            last_error = error
        if time.monotonic() > deadline:
            raise TestFailure(f"timed out after {timeout}s waiting for {description}"
                              + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


def http_ok(url):
    try:
        status, _ = http_get(url, timeout=2)
        return status == 200
    except (OSError, urllib.error.URLError):
        return False


# --- fixture endpoints and webhook receiver ------------------------------------------------

class FixtureEndpoints:
    """The fixture endpoints: test/e2e/e2e_fixture (the shared C++ FixtureServer), whose
    /r/<name> routes answer with a precise delay and status, changed over its stdin."""

    def __init__(self, binary, workdir):
        argv = [binary] + [f"{name}={round(delay * 1e6)}:{status}"
                           for name, (_, delay, status, _) in ENDPOINTS.items()]
        log(f"starting fixture: {' '.join(argv)}")
        self._stderr = open(os.path.join(workdir, "fixture.log"), "wb")
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True, bufsize=1)
        line = self.process.stdout.readline()
        if not line.startswith("port "):
            raise TestFailure(f"fixture did not start (said {line!r}); see fixture.log")
        self.port = int(line.split()[1])

    def set(self, name, delay, status):
        self.process.stdin.write(f"set {name} {round(delay * 1e6)} {status}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "ok":
            raise TestFailure(f"fixture refused to change route {name}: {answer!r}")

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()  # EOF: the fixture stops its server and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


class HttpsEndpoint:
    """One HTTPS endpoint (Python's ssl over ThreadingHTTPServer) with a self-signed ECDSA
    certificate made here, so the TLS series (certificate expiry, TLS version) exist."""

    def __init__(self, workdir):
        self.cert = os.path.join(workdir, "https-cert.pem")
        key = os.path.join(workdir, "https-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "20", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", self.cert],
                       check=True, capture_output=True)
        enddate = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", self.cert],
                                 check=True, capture_output=True, text=True).stdout.strip()
        self.not_after = ssl.cert_time_to_seconds(enddate.split("=", 1)[1])

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/"


class WebhookReceiver:
    """Collects Alertmanager webhook notifications (JSON bodies of POST /latencyd)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.notifications = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with receiver._lock:
                    receiver.notifications.append(payload)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/latencyd"

    def alerts(self, status=None):
        """Every alert of every notification so far, as (notification status, alert) pairs."""
        with self._lock:
            found = []
            for payload in self.notifications:
                for alert in payload.get("alerts", []):
                    if status is None or alert.get("status") == status:
                        found.append((payload.get("status"), alert))
            return found


# --- child processes ------------------------------------------------------------------------

class Processes:
    def __init__(self, workdir):
        self.workdir = workdir
        self.children = []  # (name, Popen, log path)

    def start(self, name, argv):
        log_path = os.path.join(self.workdir, f"{name}.log")
        log_file = open(log_path, "wb")
        log(f"starting {name}: {' '.join(argv)}")
        process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=self.workdir)
        log_file.close()
        self.children.append((name, process, log_path))
        return process

    def check_alive(self):
        for name, process, log_path in self.children:
            if process.poll() is not None:
                raise TestFailure(f"{name} exited early with status {process.returncode}; "
                                  f"log:\n{tail(log_path)}")

    def stop_all(self):
        for name, process, _ in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process, _ in reversed(self.children):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {process.pid}) ignored SIGTERM; killing it")
                process.kill()
                process.wait()

    def dump_logs(self):
        for name, _, log_path in self.children:
            print(f"----- {name} log (tail) -----\n{tail(log_path)}", flush=True)


def tail(path, lines=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Prometheus API -----------------------------------------------------------------------

class PrometheusApi:
    def __init__(self, base):
        self.base = base

    def _get(self, path, params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        try:
            _, body = http_get(url, timeout=10)
        except urllib.error.HTTPError as error:  # 400/422 carry the PromQL error as JSON
            body = error.read().decode("utf-8", "replace")
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise TestFailure(f"Prometheus {path} {params}: {doc.get('errorType')}: {doc.get('error')}")
        return doc["data"]

    def query(self, expr):
        return self._get("/api/v1/query", {"query": expr})["result"]

    def query_range(self, expr, seconds, step):
        end = time.time()
        return self._get("/api/v1/query_range",
                         {"query": expr, "start": end - seconds, "end": end, "step": step})["result"]

    def firing(self, alertname):
        """Label sets of the firing alerts of that name, from /api/v1/alerts."""
        alerts = self._get("/api/v1/alerts", {})["alerts"]
        return [a["labels"] for a in alerts
                if a["labels"].get("alertname") == alertname and a["state"] == "firing"]

    def rules(self):
        return [rule for group in self._get("/api/v1/rules", {})["groups"] for rule in group["rules"]]


# --- configuration files --------------------------------------------------------------------

def replace_once(text, old, new, what):
    count = text.count(old)
    if count != 1:
        raise TestFailure(f"{what}: expected `{old}` exactly once in the shipped file, found {count}")
    return text.replace(old, new)


def write_latencyd_config(path, fixture_port, https):
    lines = [
        "defaults:",
        f"  interval: {CORE_INTERVAL}",
        f"  timeout: {CORE_INTERVAL}",
        f"  window: {WINDOW}",
        "classes:",
        "  core: { threshold: 5ms, quantile: 0.5 }",
        "  async: { threshold: 100ms, quantile: 0.5 }",
        # The HTTPS endpoint's class judges the server's time only, with a budget no loaded
        # machine's handshake can breach.
        "  https_server: { threshold: 5s, quantile: 0.5, judge: ttfb }",
        "endpoints:",
    ]
    for name, (cls, _, _, labels) in ENDPOINTS.items():
        lines += [f"  - name: {name}",
                  f"    url: http://127.0.0.1:{fixture_port}/r/{name}",
                  f"    class: {cls}"]
        if cls == "async":
            lines += [f"    interval: {ASYNC_INTERVAL}", f"    timeout: {ASYNC_INTERVAL}"]
        if labels:
            lines.append("    labels: {" + ", ".join(f"{k}: {v}" for k, v in labels.items()) + "}")
        if name in BASELINES:
            lines.append(f"    baseline: {BASELINES[name]}")
    lines += ["  - name: https_ok", f"    url: {https.url}", "    class: https_server",
              f"    interval: {ASYNC_INTERVAL}", f"    timeout: {ASYNC_INTERVAL}",
              f"    tls: {{ ca_file: {https.cert} }}"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def cut_for_durations(rules):
    """Every alert's `for` becomes FOR_IN_TEST except KEEP_FOR's, which stays as shipped.
    Returns the rules and how many `for` lines were seen."""
    out, alert, count = [], None, 0
    for line in rules.splitlines(keepends=True):
        named = re.match(r"\s+- alert: (\S+)", line)
        if named:
            alert = named.group(1)
        duration = re.match(r"(\s+for: )\S+$", line)
        if duration:
            count += 1
            if alert != KEEP_FOR:
                line = duration.group(1) + FOR_IN_TEST + "\n"
        out.append(line)
    return "".join(out), count


def write_prometheus_files(root, directory, daemon_addr, alertmanager_addr):
    with open(os.path.join(root, "prometheus", "prometheus.example.yml"), encoding="utf-8") as f:
        config = f.read()
    config = replace_once(config, "scrape_interval: 15s", "scrape_interval: 1s", "prometheus.example.yml")
    config = replace_once(config, "evaluation_interval: 15s", "evaluation_interval: 1s",
                          "prometheus.example.yml")
    config = replace_once(config, "'127.0.0.1:9093'", f"'{alertmanager_addr}'", "prometheus.example.yml")
    config = replace_once(config, "'127.0.0.1:9470'", f"'{daemon_addr}'", "prometheus.example.yml")
    with open(os.path.join(directory, "prometheus.yml"), "w", encoding="utf-8") as f:
        f.write(config)

    with open(os.path.join(root, "prometheus", "latencyd.rules.yml"), encoding="utf-8") as f:
        rules = f.read()
    rules, count = cut_for_durations(rules)
    alerts = len(re.findall(r"^\s+- alert: ", rules, flags=re.M))
    if count != alerts:
        raise TestFailure(f"latencyd.rules.yml: rewrote {count} `for` lines but found {alerts} alerts")
    # Groups with their own (production) evaluation interval follow the 1 s global one too.
    rules = re.sub(r"^(\s+interval: )\S+$", r"\g<1>1s", rules, flags=re.M)
    with open(os.path.join(directory, "latencyd.rules.yml"), "w", encoding="utf-8") as f:
        f.write(rules)


def write_alertmanager_config(root, path, webhook_url):
    with open(os.path.join(root, "prometheus", "alertmanager.example.yml"), encoding="utf-8") as f:
        config = f.read()
    config = replace_once(config, "url: http://127.0.0.1:5001/latencyd", f"url: {webhook_url}",
                          "alertmanager.example.yml")
    config = replace_once(config, "group_wait: 30s", "group_wait: 1s", "alertmanager.example.yml")
    config = replace_once(config, "group_interval: 5m", "group_interval: 1s", "alertmanager.example.yml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(config)


def backfill(promtool, directory, data_dir, daemon_addr):
    """History for the trend: the hourly median level 1 day and 7 days ago, per endpoint.

    A week ago the over-budget endpoints were 20x faster than now (so the regression alert
    must fire for them) and the others 100 s slow (so it must not). Written as the recorded
    series latencyd:probe_duration_seconds:median_1h with exactly the labels the live
    recording rule produces, one sample a minute over 3 hours around each offset.
    """
    now = int(time.time())
    lines = ["# TYPE latencyd:probe_duration_seconds:median_1h gauge"]
    for name, (cls, delay, _, labels) in ENDPOINTS.items():
        all_labels = {"job": "latencyd", "instance": daemon_addr, "endpoint": name,
                      "class": cls, "quantile": "0.5", **labels}
        selector = ",".join(f'{k}="{v}"' for k, v in sorted(all_labels.items()))
        week_ago = delay / 20 if name in OVER_BUDGET else 100.0
        day_ago = max(delay, 0.0005)
        for offset, value in ((7 * 86400, week_ago), (86400, day_ago)):
            for t in range(now - offset - 7200, now - offset + 3600, 60):
                lines.append(f"latencyd:probe_duration_seconds:median_1h{{{selector}}} {value} {t}")
    lines.append("# EOF")
    # OpenMetrics wants each series' samples in time order; the loops above emit 7 d ago first.
    openmetrics = os.path.join(directory, "history.om")
    with open(openmetrics, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    log(f"backfilling {len(lines) - 2} samples with promtool tsdb create-blocks-from openmetrics")
    result = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", openmetrics, data_dir],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise TestFailure(f"promtool backfill failed:\n{result.stdout}\n{result.stderr}")


# --- dashboard and Grafana alert queries ------------------------------------------------------

def grafana_queries(root):
    """(where, PromQL) for every dashboard panel query, variable query and Grafana alert query,
    with Grafana's variables replaced as Grafana would with every variable at All."""
    substitutions = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h",
                     "$job": ".+", "$class": ".+", "$endpoint": ".+"}

    def substitute(expr):
        for var, value in sorted(substitutions.items(), key=lambda kv: -len(kv[0])):
            expr = expr.replace(var, value)
        if "$" in expr:
            raise TestFailure(f"unsubstituted variable in {expr}")
        return expr

    with open(os.path.join(root, "grafana", "latencyd-dashboard.json"), encoding="utf-8") as f:
        dash = json.load(f)
    queries = []
    for var in dash["templating"]["list"]:
        if var["type"] != "query":
            continue
        text = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", text.strip())
        if not match:
            raise TestFailure(f"variable {var['name']}: unsupported query {text}")
        queries.append((f"variable ${var['name']} (label {match.group(2)})", substitute(match.group(1)),
                        match.group(2)))

    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    for panel in panels(dash["panels"]):
        for target in panel.get("targets", []):
            queries.append((f"panel {panel['id']} ({panel['title']}) query {target['refId']}",
                            substitute(target["expr"]), None))
    with open(os.path.join(root, "grafana", "provisioning", "alerting", "latencyd-alerts.json"),
              encoding="utf-8") as f:
        alerts = json.load(f)
    for group in alerts["groups"]:
        for rule in group["rules"]:
            for data in rule["data"]:
                if data["datasourceUid"] != "__expr__":
                    queries.append((f"Grafana alert {rule['uid']} query {data['refId']}",
                                    substitute(data["model"]["expr"]), None))
    return queries


def grafana_rule_verdicts(root, api):
    """For each Grafana rule of the shape query A -> reduce B (last) -> threshold C (gt X):
    the endpoints whose current value of A is above X, i.e. for which it would fire."""
    with open(os.path.join(root, "grafana", "provisioning", "alerting", "latencyd-alerts.json"),
              encoding="utf-8") as f:
        doc = json.load(f)
    verdicts = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            data = {d["refId"]: d["model"] for d in rule["data"]}
            query = next(d["model"] for d in rule["data"] if d["datasourceUid"] != "__expr__")
            condition = data[rule["condition"]]
            evaluator = condition["conditions"][0]["evaluator"]
            if condition["type"] != "threshold" or evaluator["type"] != "gt":
                raise TestFailure(f"Grafana rule {rule['uid']}: expected a `gt` threshold condition")
            verdicts[rule["uid"]] = {series["metric"].get("endpoint") for series in api.query(query["expr"])
                                     if float(series["value"][1]) > evaluator["params"][0]}
    return verdicts


def check_queries_return_data(api, queries):
    problems = []
    for where, expr, label in queries:
        try:
            instant = api.query(expr)
            ranged = api.query_range(expr, 60, 5)
        except TestFailure as error:
            problems.append(f"{where}: {error}")
            continue
        if not instant or not ranged:
            problems.append(f"{where}: no data (instant: {len(instant)} series, range: {len(ranged)}): {expr}")
        elif label and not any(label in series["metric"] for series in instant):
            problems.append(f"{where}: no series has label {label}: {expr}")
    return problems


# --- the test -----------------------------------------------------------------------------------

def firing_endpoints(api, alertname):
    return {labels.get("endpoint") for labels in api.firing(alertname)}


def run(args, workdir):
    processes = Processes(workdir)
    webhook = WebhookReceiver()
    fixture = None
    daemon_addr = f"127.0.0.1:{free_port()}"
    prometheus_addr = f"127.0.0.1:{free_port()}"
    alertmanager_addr = f"127.0.0.1:{free_port()}"
    api = PrometheusApi(f"http://{prometheus_addr}")
    started = time.monotonic()
    try:
        fixture = FixtureEndpoints(args.fixture, workdir)
        prom_dir = os.path.join(workdir, "prometheus")
        prom_data = os.path.join(workdir, "prometheus-data")
        os.makedirs(prom_dir)
        os.makedirs(prom_data)
        write_prometheus_files(args.root, prom_dir, daemon_addr, alertmanager_addr)
        result = subprocess.run([args.promtool, "check", "config", os.path.join(prom_dir, "prometheus.yml")],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise TestFailure(f"promtool check config on the test copy failed:\n{result.stdout}{result.stderr}")
        backfill(args.promtool, workdir, prom_data, daemon_addr)
        am_config = os.path.join(workdir, "alertmanager.yml")
        write_alertmanager_config(args.root, am_config, webhook.url)
        latencyd_config = os.path.join(workdir, "latencyd.yml")
        https = HttpsEndpoint(workdir)
        write_latencyd_config(latencyd_config, fixture.port, https)

        processes.start("alertmanager", [
            args.alertmanager, f"--config.file={am_config}",
            f"--storage.path={os.path.join(workdir, 'alertmanager-data')}",
            f"--web.listen-address={alertmanager_addr}", "--cluster.listen-address="])
        processes.start("latencyd", [
            args.latencyd, f"--config.file={latencyd_config}", f"--web.listen-address={daemon_addr}"])
        processes.start("prometheus", [
            args.prometheus, f"--config.file={os.path.join(prom_dir, 'prometheus.yml')}",
            f"--storage.tsdb.path={prom_data}", f"--web.listen-address={prometheus_addr}",
            "--storage.tsdb.retention.time=30d", "--rules.alert.resend-delay=1s",
            "--log.level=warn"])

        def ready(url):
            processes.check_alive()
            return http_ok(url)
        wait_for("latencyd /-/ready", lambda: ready(f"http://{daemon_addr}/-/ready"), 30)
        wait_for("Alertmanager /-/ready", lambda: ready(f"http://{alertmanager_addr}/-/ready"), 30)
        wait_for("Prometheus /-/ready", lambda: ready(f"http://{prometheus_addr}/-/ready"), 60)
        wait_for("Prometheus scraping latencyd (up == 1)",
                 lambda: any(s["value"][1] == "1" for s in api.query('up{job="latencyd"}')), 30)
        wait_for("Prometheus discovering Alertmanager", lambda: api._get(
            "/api/v1/alertmanagers", {})["activeAlertmanagers"], 30)
        log(f"all components up after {time.monotonic() - started:.1f}s")

        # 1. The threshold alert fires for exactly the over-budget endpoints.
        seen = set()

        def threshold_firing():
            processes.check_alive()
            endpoints = firing_endpoints(api, "LatencydThresholdBreached")
            seen.update(endpoints)
            if seen - OVER_BUDGET:
                raise TestFailure(f"LatencydThresholdBreached fired for {sorted(seen - OVER_BUDGET)}, "
                                  f"which are under budget")
            return endpoints == OVER_BUDGET
        wait_for(f"LatencydThresholdBreached firing for {sorted(OVER_BUDGET)}", threshold_firing, 90)
        log(f"threshold alert firing for {sorted(OVER_BUDGET)} after {time.monotonic() - started:.1f}s")
        medians = {s["metric"]["endpoint"]: s["value"][1]
                   for s in api.query('latencyd_probe_duration_seconds{quantile="0.5"}')}
        log("window medians (s): " + ", ".join(f"{k}={v}" for k, v in sorted(medians.items())))

        def delivered(endpoint, status):
            for _, alert in webhook.alerts(status):
                labels = alert["labels"]
                if labels.get("alertname") == "LatencydThresholdBreached" and labels.get("endpoint") == endpoint:
                    return alert
            return None
        for endpoint in sorted(OVER_BUDGET):
            alert = wait_for(f"webhook notification: {endpoint} firing", lambda: delivered(endpoint, "firing"), 60)
            cls, _, _, own = ENDPOINTS[endpoint]
            expected = {"severity": "critical", "class": cls, "quantile": "0.5", "job": "latencyd",
                        "instance": daemon_addr, **own}
            wrong = {k: alert["labels"].get(k) for k, v in expected.items() if alert["labels"].get(k) != v}
            if wrong:
                raise TestFailure(f"webhook alert for {endpoint}: labels {wrong} differ from {expected}")
            threshold = "5ms" if cls == "core" else "100ms"
            description = alert["annotations"].get("description", "")
            if endpoint not in alert["annotations"].get("summary", "") or f"threshold of {threshold}" not in description:
                raise TestFailure(f"webhook alert for {endpoint}: unexpected annotations {alert['annotations']}")
        log("threshold alerts delivered to the webhook with labels and annotations")

        # 2. Regression (from the backfilled week-old level) and failing probes, on real data.
        wait_for(f"LatencydMedianRegression firing for {sorted(OVER_BUDGET)}",
                 lambda: firing_endpoints(api, "LatencydMedianRegression") == OVER_BUDGET, 60)
        wait_for(f"LatencydBaselineRegression firing for {sorted(BASELINE_REGRESSED)}",
                 lambda: firing_endpoints(api, "LatencydBaselineRegression") == BASELINE_REGRESSED,
                 60)
        wait_for("LatencydProbesFailing firing for core_failing",
                 lambda: firing_endpoints(api, "LatencydProbesFailing") == {"core_failing"}, 60)
        bad_rules = [f"{r['name']}: {r.get('lastError')}" for r in api.rules() if r.get("health") != "ok"]
        if bad_rules:
            raise TestFailure(f"rules with evaluation errors: {bad_rules}")
        log("regression and probes-failing alerts fire for exactly the expected endpoints; all rules healthy")

        # 3. Every dashboard and Grafana alert query is valid PromQL and returns data.
        queries = grafana_queries(args.root)
        problems = []

        def all_queries_ok():
            problems[:] = check_queries_return_data(api, queries)
            return not problems
        try:
            wait_for("every dashboard and Grafana alert query returning data", all_queries_ok, 30, interval=2)
        except TestFailure as error:
            raise TestFailure(f"{error}:\n  " + "\n  ".join(problems))
        log(f"{len(queries)} dashboard/Grafana alert queries valid and returning data")

        # 3a. The HTTPS endpoint's certificate expiry is the certificate's notAfter.
        expiry = [float(s["value"][1]) for s in
                  api.query('latencyd_tls_earliest_cert_expiry_timestamp_seconds{endpoint="https_ok"}')]
        if expiry != [https.not_after]:
            raise TestFailure(f"certificate expiry of https_ok: {expiry}, expected [{https.not_after}]")
        judged = api.query('latencyd_judged_duration_seconds{endpoint="https_ok",judge="ttfb"}')
        if len(judged) != 1:
            raise TestFailure(f"https_ok: expected one judged ttfb series, got {judged}")
        log("https_ok: certificate expiry exported as the certificate's notAfter; judged on ttfb")

        # 3b. The Grafana-managed rules judge like the Prometheus alerts they mirror: their
        # query's value passes their threshold for exactly the over-budget endpoints.
        for uid, endpoints in grafana_rule_verdicts(args.root, api).items():
            if endpoints != OVER_BUDGET:
                raise TestFailure(f"Grafana alert rule {uid} would fire for {sorted(endpoints)}, "
                                  f"expected {sorted(OVER_BUDGET)}")
        log("Grafana alert rules would fire for exactly the endpoints the Prometheus alerts fire for")

        # 4. core_slow becomes fast: its alert resolves and the resolution is delivered.
        fixture.set("core_slow", 0.0, 200)
        wait_for("LatencydThresholdBreached for core_slow to resolve in Prometheus",
                 lambda: "core_slow" not in firing_endpoints(api, "LatencydThresholdBreached"), 60)
        wait_for("webhook notification: core_slow resolved", lambda: delivered("core_slow", "resolved"), 60)
        if "async_slow" not in firing_endpoints(api, "LatencydThresholdBreached"):
            raise TestFailure("async_slow stopped firing although it is still over budget")
        # Prometheus' own record (ALERTS, written at every 1 s evaluation) of every endpoint
        # the threshold alert ever fired for during the test, not only what polling saw.
        history = api.query('count by (endpoint) (count_over_time(ALERTS{alertname="LatencydThresholdBreached",'
                            'alertstate="firing"}[30m]))')
        ever_fired = {series["metric"].get("endpoint") for series in history} | seen
        if ever_fired != OVER_BUDGET:
            raise TestFailure(f"LatencydThresholdBreached fired for {sorted(ever_fired)} during the test, "
                              f"expected exactly {sorted(OVER_BUDGET)}")
        log(f"core_slow resolved and delivered; async_slow still firing; "
            f"total {time.monotonic() - started:.1f}s")

        # 5. A step on a healthy endpoint reaches the webhook within a minute.
        fixture.set("core_step", STEP_DELAY, 200)
        stepped = time.monotonic()
        wait_for("webhook notification: core_step firing", lambda: delivered("core_step", "firing"),
                 STEP_NOTIFY_WITHIN)
        log(f"core_step 0 -> {STEP_DELAY * 1000:.0f} ms: firing notification at the webhook "
            f"{time.monotonic() - stepped:.1f}s after the step")
        fixture.set("core_step", 0.0, 200)
        recovered = time.monotonic()
        wait_for("webhook notification: core_step resolved", lambda: delivered("core_step", "resolved"), 60)
        log(f"core_step back to 0 ms: resolved notification {time.monotonic() - recovered:.1f}s later")
    except TestFailure:
        try:
            alerts = api._get("/api/v1/alerts", {})["alerts"]
            print("----- Prometheus alerts -----", flush=True)
            for alert in alerts:
                print(alert["state"], alert["labels"], flush=True)
            print("----- latencyd duration/threshold series -----", flush=True)
            for series in api.query('{__name__=~"latencyd_probe_duration_seconds|latencyd_threshold_seconds",'
                                    'quantile="0.5"}'):
                print(series["metric"], series["value"][1], flush=True)
        except Exception as error:  # diagnostics only
            print(f"(no Prometheus diagnostics: {error})", flush=True)
        print(f"----- webhook notifications: {len(webhook.notifications)} -----", flush=True)
        for payload in webhook.notifications:
            print(payload.get("status"), [a["labels"].get("endpoint") for a in payload.get("alerts", [])], flush=True)
        processes.dump_logs()
        raise
    finally:
        processes.stop_all()
        if fixture:
            fixture.stop()
        webhook.server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latencyd", required=True)
    parser.add_argument("--fixture", required=True, help="the e2e_fixture executable")
    parser.add_argument("--root", required=True, help="repository root (prometheus/, grafana/)")
    parser.add_argument("--prometheus", default="prometheus")
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("--alertmanager", default="prometheus-alertmanager")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--deadline", type=int, default=300, help="seconds before the test gives up")
    args = parser.parse_args()
    for tool in ("latencyd", "fixture", "prometheus", "promtool", "alertmanager"):
        path = shutil.which(getattr(args, tool))
        if not path:
            print(f"FAIL: {tool} binary {getattr(args, tool)!r} not found", flush=True)
            return 1
        setattr(args, tool, path)
    # Give up, and still stop every child, before CTest's TIMEOUT (400 s) would kill only this
    # script; SIGTERM/SIGINT (ctest interrupted) clean up the same way.
    def give_up(signum, _frame):
        if signum == signal.SIGALRM:
            raise TestFailure(f"overall deadline of {args.deadline}s passed")
        raise TestFailure(f"interrupted by signal {signum}")
    for signum in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, give_up)
    signal.alarm(args.deadline)
    workdir = tempfile.mkdtemp(prefix="latencyd-e2e-")
    ok = False
    try:
        run(args, workdir)
        ok = True
    except TestFailure as error:
        print(f"FAIL: {error}", flush=True)
    finally:
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"files kept in {workdir}", flush=True)
    print("PASS" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
