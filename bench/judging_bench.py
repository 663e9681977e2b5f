#!/usr/bin/env python3
"""Benchmarks a comparison's results: `quorum compare results --json` on 100,000 votes over 20,000 items from 50
judges (three runs, every pair: 6,667 source items × 3 pairs), bootstrap and Bradley–Terry included; prints the
command's time and peak RSS. The runs' outputs and the votes are written straight into SQLite (the project itself is
made by `quorum compare create`)."""
import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from measured import run_measured  # noqa: E402


def quorum(binary, *args, db):
    import subprocess
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--items", type=int, default=20_000, help="judging items")
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="copy the database here at the end (to profile)")
    args = parser.parse_args()
    binary = os.path.abspath(args.quorum)
    rng = random.Random(11)
    pairs = args.runs * (args.runs - 1) // 2
    sources = -(-args.items // pairs)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "judge.db")
        texts = os.path.join(tmp, "texts.txt")
        with open(texts, "w") as f:
            for i in range(sources):
                f.write(f"ticket {i}: my card was charged twice\n")
        quorum(binary, "project", "create", "--name", "source", "--kind", "classify", "--labels", "refund,card", db=db)
        quorum(binary, "import", "source", texts, "--format", "text", db=db)
        connection = sqlite3.connect(db)
        now = "2026-12-01T00:00:00.000Z"
        items = [row[0] for row in connection.execute("SELECT id FROM items ORDER BY id")]
        for r in range(args.runs):
            connection.execute("INSERT INTO models (name, base_url, model, created_at) VALUES (?, 'http://127.0.0.1:9/v1', 'm', ?)", (f"model {r}", now))
            connection.execute("INSERT INTO runs (project_id, model_id, selection, items, item_count, status, started_at) VALUES (1, ?, 'all', ?, ?, 'finished', ?)",
                               (r + 1, json.dumps(items), len(items), now))
            connection.executemany("INSERT INTO run_outputs (run_id, item_id, output, created_at) VALUES (?, ?, ?, ?)",
                                   ((r + 1, item, f"answer of model {r} to ticket {item}", now) for item in items))
        connection.commit()
        made = json.loads(quorum(binary, "compare", "create", "--name", "bench", "--from", "source", "--runs",
                                 ",".join(str(r + 1) for r in range(args.runs)), "--json", db=db))
        project = made["project"]
        judged = [row[0] for row in connection.execute("SELECT id FROM items WHERE project_id = ? ORDER BY id", (project,))][:args.items]
        judges = []
        for j in range(args.judges):
            connection.execute("INSERT INTO users (username, display_name, role, created_at) VALUES (?, ?, 'annotator', ?)", (f"judge{j}", f"Judge {j}", now))
            judges.append(connection.execute("SELECT last_insert_rowid()").fetchone()[0])
        per_item = args.votes // len(judged)
        extra = args.votes - per_item * len(judged)
        choices, weights = ['["a"]', '["b"]', '["tie"]', '["both_bad"]'], [45, 35, 15, 5]
        annotations, sides = [], []
        for n, item in enumerate(judged):
            for judge in rng.sample(judges, per_item + (1 if n < extra else 0)):
                annotations.append((item, judge, rng.choices(choices, weights)[0], now, now))
                sides.append((item, judge, rng.randint(0, 1)))
        connection.executemany("INSERT INTO annotations (item_id, annotator_id, status, labels, created_at, updated_at) VALUES (?, ?, 'submitted', ?, ?, ?)", annotations)
        connection.executemany("INSERT INTO judging_sides (item_id, annotator_id, a_on_left) VALUES (?, ?, ?)", sides)
        connection.commit()
        connection.close()
        quorum(binary, "compare", "results", "bench", "--json", db=db)  # warm the page cache
        seconds, peak_kb, code = run_measured([binary, "compare", "results", "bench", "--json", "--db", db])
        assert code == 0
        if args.keep:
            import shutil
            shutil.copy(db, args.keep)
        print(f"compare results: {len(annotations):,} votes on {len(judged):,} items from {args.judges} judges, {args.runs} runs: "
              f"{seconds:.2f} s, peak RSS {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
