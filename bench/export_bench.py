#!/usr/bin/env python3
"""Benchmarks `quorum export`: imports a generated chat file (1,000,000 conversations by default, the same
generator as the import benchmark), marks every item accepted by one annotator (straight into SQLite, which
is not what is measured), then exports with validation on and prints items/s and the peak resident memory of
the quorum process."""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from import_bench import generate  # noqa: E402


TARGETS = ["openai", "azure-openai", "together", "fireworks", "mistral", "vertex-gemini", "bedrock-claude", "bedrock-nova",
           "trl", "axolotl", "llama-factory"]


def prepare(quorum, tmp, lines):
    """A SQLite database in `tmp` with a chat project `bench` of `lines` generated conversations, each accepted by one
    annotator; returns its path and its item count."""
    data, db = os.path.join(tmp, "bench.jsonl"), os.path.join(tmp, "bench.db")
    generate(data, lines)
    subprocess.run([quorum, "project", "create", "--name", "bench", "--kind", "chat", "--db", db], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([quorum, "user", "add", "ann", "--role", "annotator", "--password", "password1", "--db", db],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([quorum, "import", "bench", data, "--json", "--db", db], check=True, stdout=subprocess.DEVNULL)
    with sqlite3.connect(db) as connection:
        connection.execute("""
            INSERT INTO annotations (item_id, annotator_id, status, decision, labels, spans, note, seconds_spent, version, created_at, updated_at)
            SELECT i.id, u.id, 'submitted', 'accept', '[]', '[]', '', 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
            FROM items i, users u WHERE u.username = 'ann'""")
        # Quorum counts answers as it saves them; answers written straight in are counted here.
        connection.execute("""
            UPDATE items SET taken = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status != 'skipped'),
                submitted = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status = 'submitted')""")
        items = connection.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    os.remove(data)
    return db, items


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True, help="path to the quorum binary")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--targets", default="openai", help="comma-separated export targets, or all (one export each)")
    parser.add_argument("--keep", help="copy the prepared database here (to profile)")
    args = parser.parse_args()
    quorum = os.path.abspath(args.quorum)
    with tempfile.TemporaryDirectory() as tmp:
        db, items = prepare(quorum, tmp, args.lines)
        print(f"prepared {items:,} accepted chat items", flush=True)
        if args.keep:
            shutil.copy(db, args.keep)
        # Let the kernel finish writing what the preparation wrote, so the export does not share the disk with it.
        os.sync()
        targets = TARGETS if args.targets == "all" else args.targets.split(",")
        for target in targets:
            started = time.perf_counter()
            out, err = os.path.join(tmp, "report.out"), os.path.join(tmp, "report.err")
            with open(out, "w") as stdout, open(err, "w") as stderr:
                process = subprocess.Popen([quorum, "export", "bench", "--target", target, "--out", os.path.join(tmp, "out-" + target),
                                            "--validation", "0.1", "--holdout", "1000", "--json", "--db", db], stdout=stdout, stderr=stderr)
                # wait4 gives this one process's peak memory, not the largest of every child so far.
                _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - started
            peak_kb = usage.ru_maxrss
            if os.waitstatus_to_exitcode(status) != 0:
                print(open(err).read())
                return 1
            report = json.loads(open(out).read())
            counts = report["counts"]
            print(f"export --target {target}: {counts['exported']:,} exported ({counts['train']:,} train, {counts['validation']:,} validation, "
                  f"{counts['holdout']:,} hold-out, {counts['excluded']:,} left out) in {elapsed:.2f} s: "
                  f"{items / elapsed:,.0f} items/s, peak RSS {peak_kb / 1024:.0f} MB", flush=True)
            shutil.rmtree(os.path.join(tmp, "out-" + target))
        return 0


if __name__ == "__main__":
    sys.exit(main())
