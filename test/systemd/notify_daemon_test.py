#!/usr/bin/env python3
"""The real latencyd binary speaking sd_notify, as systemd would see it with Type=notify.

A unix datagram socket stands in for PID 1 ($NOTIFY_SOCKET, $WATCHDOG_USEC); a stdlib HTTP
server is the probed endpoint. Checks READY=1 only once /-/ready answers, the watchdog
cadence, RELOADING=1 ... READY=1 around good and bad reloads, and STOPPING=1 on SIGTERM.

Usage: notify_daemon_test.py PATH_TO_LATENCYD
"""
import http.server
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
import urllib.request

WATCHDOG_USEC = 1_000_000  # pings expected every 500 ms


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def config_text(port, names):
    lines = ["defaults:", "  interval: 100ms", "  timeout: 100ms", "endpoints:"]
    for name in names:
        lines += [f"  - name: {name}", f"    url: http://127.0.0.1:{port}/{name}", "    class: core"]
    return "\n".join(lines) + "\n"


class Systemd:
    """The receiving end of $NOTIFY_SOCKET: collects every datagram with its arrival time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.watchdog = []  # arrival times of WATCHDOG=1

    def next_state(self, timeout):
        """The next message that is not a watchdog ping; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                message = self.sock.recv(4096).decode()
            except socket.timeout:
                return None
            if message == "WATCHDOG=1":
                self.watchdog.append(time.monotonic())
                continue
            return message


failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def expect_state(systemd, prefix, what, timeout=10):
    message = systemd.next_state(timeout)
    check(message is not None and message.startswith(prefix), f"{what}: {message!r}")
    return message or ""


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="latencyd_notify_")
    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    target_port = target.server_address[1]
    config = os.path.join(work, "latencyd.yml")
    with open(config, "w") as f:
        f.write(config_text(target_port, ["one"]))

    systemd = Systemd(os.path.join(work, "notify.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(work, "notify.sock"),
               WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)  # systemd sets it to the main PID; unset means "for us"
    daemon = subprocess.Popen(
        [binary, f"--config.file={config}", "--web.listen-address=127.0.0.1:0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = []
    threading.Thread(target=lambda: log.extend(daemon.stderr), daemon=True).start()
    try:
        run(systemd, daemon, config, target_port, log)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        target.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("daemon log:\n" + "".join(log))
        print(f"{len(failures)} check(s) failed")
        return 1
    print("PASS: latencyd speaks sd_notify")
    return 0


def listen_port(log):
    for _ in range(50):
        for line in list(log):
            match = re.search(r"\bport=\"?(\d+)", line)
            if match and "probing started" in line:
                return int(match.group(1))
        time.sleep(0.05)
    return None


def run(systemd, daemon, config, target_port, log):
    ready = expect_state(systemd, "READY=1", "READY=1 after start", timeout=20)
    check("STATUS=probing 1 endpoint" in ready, "READY carries the endpoint count")
    port = listen_port(log)
    check(port is not None, f"listen port in the log: {port}")
    if port is not None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=5) as reply:
            check(reply.status == 200, "/-/ready is 200 once READY=1 was sent")

    # Watchdog: pings at half of WATCHDOG_USEC while the probe loops run.
    systemd.watchdog.clear()
    check(systemd.next_state(3.2) is None, "no other state while idle")
    pings = systemd.watchdog
    check(len(pings) >= 5, f"watchdog pings in 3.2 s: {len(pings)} (period 500 ms)")
    if len(pings) >= 2:
        mean = (pings[-1] - pings[0]) / (len(pings) - 1)
        check(0.3 < mean < 0.8, f"mean ping gap {mean * 1000:.0f} ms, about 500 ms")
        gap = max(b - a for a, b in zip(pings, pings[1:]))
        check(gap < WATCHDOG_USEC / 1e6, f"longest gap {gap * 1000:.0f} ms < the watchdog limit")

    # A good reload: RELOADING=1 with MONOTONIC_USEC, then READY=1 with the new count.
    with open(config, "w") as f:
        f.write(config_text(target_port, ["one", "two"]))
    daemon.send_signal(signal.SIGHUP)
    reloading = expect_state(systemd, "RELOADING=1", "RELOADING=1 on SIGHUP")
    check("MONOTONIC_USEC=" in reloading, "RELOADING carries MONOTONIC_USEC")
    ready = expect_state(systemd, "READY=1", "READY=1 after the reload")
    check("STATUS=probing 2 endpoints" in ready, f"new endpoint count: {ready!r}")

    # A bad reload still ends in READY=1, with the old config's count.
    with open(config, "w") as f:
        f.write("endpoints: [ {name: x, url: ftp://nope, class: cor} ]\n")
    daemon.send_signal(signal.SIGHUP)
    expect_state(systemd, "RELOADING=1", "RELOADING=1 on a bad reload")
    ready = expect_state(systemd, "READY=1", "READY=1 after the failed reload")
    check("STATUS=probing 2 endpoints" in ready, f"old config keeps running: {ready!r}")

    daemon.send_signal(signal.SIGTERM)
    expect_state(systemd, "STOPPING=1", "STOPPING=1 on SIGTERM")
    try:
        code = daemon.wait(timeout=15)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, f"exit status after SIGTERM: {code}")


if __name__ == "__main__":
    sys.exit(main())
