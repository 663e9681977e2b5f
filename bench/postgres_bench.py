#!/usr/bin/env python3
"""Benchmarks Quorum on PostgreSQL: imports 1,000,000 generated chat lines (the import benchmark's) into it; copies a prepared SQLite database of 1,000,000 accepted chat items (the export
benchmark's) into PostgreSQL with `quorum migrate`, then exports it from PostgreSQL (`--database postgres://…`,
validation on) and from SQLite, and checks both give the same files. Run under scripts/with-postgres, which starts
a throwaway cluster and names it in QUORUM_TEST_POSTGRES_URL."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from export_bench import prepare  # noqa: E402
from import_bench import generate  # noqa: E402


def timed(arguments):
    started = time.perf_counter()
    result = subprocess.run(arguments, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(arguments[:3])}: {result.stderr}")
    return time.perf_counter() - started, json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True, help="path to the quorum binary")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    cluster = os.environ.get("QUORUM_TEST_POSTGRES_URL")
    if not cluster:
        sys.exit("no PostgreSQL: run this under scripts/with-postgres")
    quorum = os.path.abspath(args.quorum)
    with tempfile.TemporaryDirectory() as tmp:
        db, items = prepare(quorum, tmp, args.lines)
        print(f"prepared {items:,} accepted chat items", flush=True)
        subprocess.run(["psql", cluster, "-qc", "CREATE DATABASE bench"], check=True)
        subprocess.run(["psql", cluster, "-qc", "CREATE DATABASE imported"], check=True)
        postgres, imported = (cluster.rsplit("/", 1)[0] + "/" + name for name in ["bench", "imported"])

        # The import: the generated file into an empty chat project on PostgreSQL (made in SQLite and copied over).
        empty, data = os.path.join(tmp, "empty.db"), os.path.join(tmp, "bench.jsonl")
        subprocess.run([quorum, "project", "create", "--name", "bench", "--kind", "chat", "--db", empty], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([quorum, "migrate", "--from", empty, "--to", imported], check=True, stdout=subprocess.DEVNULL)
        generate(data, args.lines)
        os.sync()
        elapsed, summary = timed([quorum, "import", "bench", data, "--json", "--database", imported])
        print(f"import into PostgreSQL: {summary['imported']:,} of {args.lines:,} lines in {elapsed:.2f} s: {args.lines / elapsed:,.0f} items/s",
              flush=True)
        os.remove(data)
        elapsed, copied = timed([quorum, "migrate", "--from", db, "--to", postgres, "--json"])
        rows = sum(copied["tables"].values())
        print(f"migrate into PostgreSQL: {items:,} items, {rows:,} rows in {elapsed:.2f} s: {items / elapsed:,.0f} items/s", flush=True)
        reports = {}
        for name, database in [("PostgreSQL", postgres), ("SQLite", db)]:
            out = os.path.join(tmp, "out-" + name)
            elapsed, report = timed([quorum, "export", "bench", "--out", out, "--validation", "0.1", "--holdout", "1000", "--json",
                                     "--database", database])
            reports[name] = {file["name"]: file["sha256"] for file in report["files"]}
            print(f"export from {name}: {report['counts']['exported']:,} exported in {elapsed:.2f} s: {items / elapsed:,.0f} items/s", flush=True)
        if reports["PostgreSQL"] != reports["SQLite"]:
            sys.exit(f"the exports differ: {reports}")
        print("both exports wrote the same files")
        return 0


if __name__ == "__main__":
    sys.exit(main())
