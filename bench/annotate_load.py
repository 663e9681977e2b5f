#!/usr/bin/env python3
"""Load on the annotation API: N simulated annotators (64 by default) on loopback, each signed in with its own
session, doing next → submit for D seconds against `quorum serve`. Prints submits/s, request latency
percentiles, errors, and checks that the submitted annotations in the database equal the 200 responses."""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time


def quorum(binary, *args, db, env=None):
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True, env=env).stdout


def annotator(port, name, until, results, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/login", json.dumps({"username": name, "password": "password1"}), {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    cookie = response.getheader("Set-Cookie").split(";")[0]
    headers = {"Cookie": cookie, "X-CSRF-Token": body["csrf"], "Content-Type": "application/json"}
    latencies, ok, errors = [], 0, 0
    while time.time() < until:
        start = time.perf_counter()
        conn.request("GET", "/api/projects/1/next", headers=headers)
        response = conn.getresponse()
        data = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status == 204:
            break
        if response.status != 200:
            errors += 1
            continue
        item = json.loads(data)["item"]["id"]
        start = time.perf_counter()
        conn.request("PUT", f"/api/items/{item}/annotation",
                     json.dumps({"status": "submitted", "labels": ["a"], "version": 0}), headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        if response.status == 200:
            ok += 1
        else:
            errors += 1
    with lock:
        results["latencies"].extend(latencies)
        results["ok"] += ok
        results["errors"] += errors


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--annotators", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--items", type=int, default=200_000)
    args = parser.parse_args()
    binary = os.path.abspath(args.quorum)
    env = dict(os.environ, QUORUM_BCRYPT_COST="4", QUORUM_ADMIN_PASSWORD="admin-password")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "load.db")
        quorum(binary, "project", "create", "--name", "load", "--kind", "classify", "--labels", "a,b", db=db)
        items = os.path.join(tmp, "items.txt")
        with open(items, "w") as f:
            f.write("\n".join(f"support ticket number {i} about a card payment" for i in range(args.items)) + "\n")
        quorum(binary, "import", "load", items, db=db)
        names = [f"annotator{i}" for i in range(args.annotators)]
        for name in names:
            quorum(binary, "user", "add", name, "--role", "annotator", "--password", "password1", db=db, env=env)
            quorum(binary, "project", "add-member", "load", name, db=db)
        server = subprocess.Popen([binary, "serve", "--port", "0", "--db", db], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, env=dict(env, LOG_LEVEL="warning"))
        try:
            port = None
            while port is None:
                match = re.search(r"http://127\.0\.0\.1:(\d+)", server.stdout.readline())
                port = int(match.group(1)) if match else None
            results, lock = {"latencies": [], "ok": 0, "errors": 0}, threading.Lock()
            until = time.time() + args.seconds
            threads = [threading.Thread(target=annotator, args=(port, n, until, results, lock)) for n in names]
            started = time.time()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.time() - started
        finally:
            server.terminate()
            server.wait()
        stored = json.loads(quorum(binary, "project", "list", "--json", db=db))[0]["annotations"]
        lat = sorted(results["latencies"])
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
        print(f"{args.annotators} annotators, {elapsed:.1f} s: {results['ok']:,} submits = {results['ok'] / elapsed:,.0f} submits/s; "
              f"{results['errors']} errors")
        print(f"latency per request: p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms")
        print(f"submitted annotations in the database: {stored:,} (200 responses: {results['ok']:,}) -> "
              f"{'match' if stored == results['ok'] else 'MISMATCH'}")


if __name__ == "__main__":
    sys.exit(main())
