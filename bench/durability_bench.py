#!/usr/bin/env python3
"""Soak and kill -9: N annotators (200 by default) on loopback do next → submit against `quorum serve` for D seconds;
half-way the server is killed with SIGKILL and started again on the same database, and the annotators carry on.
At the end every answer the server acknowledged (a 200 to the PUT) must be in the database, submitted, exactly
once. Prints answers/s, latency percentiles, the server's peak RSS, and acknowledged against stored."""
import argparse
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


def quorum(binary, *args, db, env=None):
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True, env=env).stdout


def start(binary, db, env, port=0):
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--db", db], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env=dict(env, LOG_LEVEL="warning"))
    while True:
        match = re.search(r"http://127\.0\.0\.1:(\d+)", server.stdout.readline())
        if match:
            return server, int(match.group(1))


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))


class Annotator(threading.Thread):
    def __init__(self, name, state):
        super().__init__(daemon=True)
        self.name_, self.state = name, state
        self.acknowledged, self.latencies, self.errors = [], [], 0
        self.cookie = self.csrf = None

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.state["port"], timeout=30)
        try:
            headers = {"Content-Type": "application/json"}
            if self.cookie:
                headers.update({"Cookie": self.cookie, "X-CSRF-Token": self.csrf})
            started = time.perf_counter()
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            data = response.read()
            self.latencies.append(time.perf_counter() - started)
            return response, data
        finally:
            conn.close()

    def run(self):
        while not self.state["stop"]:
            try:
                if self.cookie is None:
                    response, data = self.request("POST", "/api/login", {"username": self.name_, "password": "password1"})
                    if response.status != 200:
                        raise RuntimeError(response.status)
                    self.cookie, self.csrf = response.getheader("Set-Cookie").split(";")[0], json.loads(data)["csrf"]
                response, data = self.request("GET", f"/api/projects/{self.state['project']}/next")
                if response.status == 204:
                    return
                item = json.loads(data)["item"]["id"]
                response, _ = self.request("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": ["a"], "version": 0})
                if response.status == 200:
                    self.acknowledged.append(item)
                elif response.status != 409:
                    self.errors += 1
            except (OSError, http.client.HTTPException, RuntimeError, ValueError):
                self.errors += 1  # the server is down (killed): try again
                time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    binary = os.path.abspath(args.quorum)
    env = dict(os.environ, QUORUM_BCRYPT_COST="4", QUORUM_ADMIN_PASSWORD="admin-password")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "soak.db")
        quorum(binary, "project", "create", "--name", "soak", "--kind", "classify", "--labels", "a,b", db=db)
        items = os.path.join(tmp, "items.txt")
        with open(items, "w") as f:
            f.write("\n".join(f"ticket {i} about a card payment" for i in range(args.items)) + "\n")
        quorum(binary, "import", "soak", items, db=db)
        names = [f"soak{i}" for i in range(args.annotators)]
        for name in names:
            quorum(binary, "user", "add", name, "--role", "annotator", "--password", "password1", db=db, env=env)
            quorum(binary, "project", "add-member", "soak", name, db=db)
        server, port = start(binary, db, env)
        state = {"port": port, "project": 1, "stop": False}
        annotators = [Annotator(name, state) for name in names]
        started = time.perf_counter()
        for a in annotators:
            a.start()
        time.sleep(args.seconds / 2)
        rss_before = peak_rss_mb(server.pid)
        server.send_signal(signal.SIGKILL)
        server.wait()
        killed_at = sum(len(a.acknowledged) for a in annotators)
        server, _ = start(binary, db, env, port)
        time.sleep(args.seconds / 2)
        state["stop"] = True
        for a in annotators:
            a.join(30)
        elapsed = time.perf_counter() - started
        rss_after = peak_rss_mb(server.pid)
        server.terminate()
        server.wait()
        acknowledged = [(a.name_, item) for a in annotators for item in a.acknowledged]
        with sqlite3.connect(db) as connection:
            stored = set(connection.execute("""
                SELECT u.username, a.item_id FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.status = 'submitted'"""))
        lost = [pair for pair in acknowledged if pair not in stored]
        latencies = sorted(x for a in annotators for x in a.latencies)
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        print(f"durability: {args.annotators} annotators, {elapsed:.0f} s, server killed with SIGKILL after {killed_at:,} acknowledged answers")
        print(f"  {len(acknowledged):,} acknowledged ({len(acknowledged) / elapsed:,.0f}/s), {len(stored):,} stored, {len(lost)} lost, "
              f"{len(set(acknowledged))} distinct; p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms; "
              f"{sum(a.errors for a in annotators):,} failed requests (mostly while the server was down)")
        print(f"  server peak RSS {rss_before:.0f} MB before the kill, {rss_after:.0f} MB after the restart")
        return 0 if not lost and len(set(acknowledged)) == len(acknowledged) else 1


if __name__ == "__main__":
    sys.exit(main())
