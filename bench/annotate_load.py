#!/usr/bin/env python3
"""Load on the annotation API: N simulated annotators (64 by default) on loopback, each signed in with its own
session, doing next → submit for D seconds against `quorum serve`. The load comes from wrk (bench/annotate_load.lua,
one connection and thread per annotator), so the client spends little of the two cores. Prints submits/s, request
latency percentiles, errors, and checks that the submitted annotations in the database equal the 200 responses.
With --postgres (under scripts/with-postgres, which gives QUORUM_TEST_POSTGRES_URL) the data is copied into a new
PostgreSQL database and `--servers N` servers serve it, the annotators split between them, one wrk each: the
figures are summed, and each latency percentile is the highest of the servers' (wrk's histograms cannot be merged)."""
import argparse
import http.client
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time


def quorum(binary, *args, db, env=None):
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True, env=env).stdout


def sign_in(port, name):
    """A session for one annotator: its cookie and CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/login", json.dumps({"username": name, "password": "password1"}), {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return response.getheader("Set-Cookie").split(";")[0], body["csrf"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--annotators", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--postgres", action="store_true", help="serve from PostgreSQL (QUORUM_TEST_POSTGRES_URL)")
    parser.add_argument("--servers", type=int, default=1, help="with --postgres: how many servers share the database")
    parser.add_argument("--connections", type=int, default=20, help="with --postgres: each server's connections to it")
    parser.add_argument("--sslmode", default="prefer", choices=["disable", "prefer", "require"],
                        help="with --postgres: the servers' sslmode (prefer: TLS, as the test cluster offers it)")
    args = parser.parse_args()
    if args.servers > 1 and not args.postgres:
        sys.exit("several servers share a PostgreSQL database: add --postgres")
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
        database = ["--db", db]
        if args.postgres:
            url = os.environ["QUORUM_TEST_POSTGRES_URL"]
            name = f"quorum_load_{os.getpid()}"
            subprocess.run(["/usr/bin/psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
            database = ["--database", url.rsplit("/", 1)[0] + "/" + name]
            subprocess.run([binary, "migrate", "--from", db, "--to", database[1]], check=True, capture_output=True)
            database = [database[0], f"{database[1]}?sslmode={args.sslmode}", "--database-connections", str(args.connections)]
        servers = [subprocess.Popen([binary, "serve", "--port", "0", *database], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, env=dict(env, LOG_LEVEL="warning"))
                   for _ in range(args.servers)]
        try:
            ports = []
            for server in servers:
                port = None
                while port is None:
                    match = re.search(r"http://127\.0\.0\.1:(\d+)", server.stdout.readline())
                    port = int(match.group(1)) if match else None
                ports.append(port)
            shares = []
            for n, port in enumerate(ports):
                sessions = os.path.join(tmp, f"sessions{n}.txt")
                mine = names[n::len(ports)]
                with open(sessions, "w") as f:
                    f.writelines(" ".join(sign_in(port, name)) + "\n" for name in mine)
                shares.append((port, sessions, len(mine)))
            started = time.time()
            deadline = math.ceil(started + args.seconds)
            loads = [subprocess.Popen(
                ["wrk", "--threads", str(count), "--connections", str(count), "--duration", f"{deadline - started + 3:.0f}s",
                 "--timeout", "10s", "--script", os.path.join(os.path.dirname(os.path.abspath(__file__)), "annotate_load.lua"),
                 f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=dict(os.environ, QUORUM_LOAD_SESSIONS=sessions, QUORUM_LOAD_PROJECT="1", QUORUM_LOAD_DEADLINE=str(deadline)))
                for port, sessions, count in shares]
            outputs = [load.communicate() for load in loads]
            elapsed = deadline - started
        finally:
            for server in servers:
                server.terminate()
                server.wait()
        figures = {}
        for stdout, stderr in outputs:
            result = re.search(r"^RESULT (.*)$", stdout, re.M)
            if not result:
                sys.exit(f"wrk gave no result:\n{stdout}\n{stderr}")
            for key, value in (pair.split("=") for pair in result.group(1).split()):
                figures[key] = max(figures.get(key, 0), int(value)) if key.endswith("_us") else figures.get(key, 0) + int(value)
        if args.postgres:
            stored = int(subprocess.run(["/usr/bin/psql", database[1], "-tAq", "-c", "SELECT annotation_count FROM projects_counted WHERE id = 1"],
                                        check=True, capture_output=True, text=True).stdout)
        else:
            stored = json.loads(quorum(binary, "project", "list", "--json", db=db))[0]["annotations"]
        ok, errors = figures["submits"], figures["failures"] + figures["socket_errors"]
        where = (f"PostgreSQL (sslmode={args.sslmode}), {args.servers} server{'s' if args.servers > 1 else ''}" if args.postgres
                 else "SQLite")
        print(f"{where}: {args.annotators} annotators, {elapsed:.1f} s: {ok:,} submits = {ok / elapsed:,.0f} submits/s; "
              f"{figures['requests']:,} requests; {errors} errors" + (" (items ran out)" if figures["exhausted"] else ""))
        print(f"latency per request: p50 {figures['p50_us'] / 1000:.1f} ms, p90 {figures['p90_us'] / 1000:.1f} ms, "
              f"p99 {figures['p99_us'] / 1000:.1f} ms, max {figures['max_us'] / 1000:.1f} ms")
        print(f"submitted annotations in the database: {stored:,} (200 responses: {ok:,}) -> "
              f"{'match' if stored == ok else 'MISMATCH'}")

if __name__ == "__main__":
    sys.exit(main())
