#!/usr/bin/env python3
"""Benchmarks `quorum agreement PROJECT`: a classify project of 100,000 items answered by 3 annotators (answers
written straight into SQLite, agreeing about 80% of the time), read from the database and computed; prints the
wall time of the command and its peak memory. `--kind chat` or `spans` does the same for corrected conversations
(a few hundred characters each) or entity spans, where each answer carries text: the memory case."""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from measured import run_measured


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True, help="path to the quorum binary")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--kind", choices=["classify", "chat", "spans"], default="classify")
    parser.add_argument("--keep", help="copy the prepared database here (to profile)")
    args = parser.parse_args()
    quorum = os.path.abspath(args.quorum)
    labels = ["billing", "account", "card", "transfer", "other"]
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        db, texts = os.path.join(tmp, "bench.db"), os.path.join(tmp, "items.txt")
        words = "the card was charged twice and the refund never came back to my account so please help".split()

        def sentence(n):
            return " ".join(rng.choice(words) for _ in range(n))

        with open(texts, "w") as f:
            for i in range(args.items):
                if args.kind == "chat":
                    f.write(json.dumps({"messages": [{"role": "system", "content": "You answer support questions. " + sentence(30)},
                                                     {"role": "user", "content": f"question {i}: " + sentence(25)},
                                                     {"role": "assistant", "content": sentence(40)}]}) + "\n")
                elif args.kind == "spans":
                    f.write(f"Ticket {i} from Anna Berg in Oslo about " + sentence(20) + "\n")
                else:
                    f.write(f"ticket {i}: {rng.choice(labels)} question\n")
        kind_labels = {"classify": labels, "spans": ["PER", "LOC"], "chat": []}[args.kind]
        subprocess.run([quorum, "project", "create", "--name", "bench", "--kind", args.kind, "--annotators-per-item", "3", "--db", db]
                       + (["--labels", ",".join(kind_labels)] if kind_labels else []), check=True, stdout=subprocess.DEVNULL)
        for name in ("a1", "a2", "a3"):
            subprocess.run([quorum, "user", "add", name, "--role", "annotator", "--password", "password1", "--db", db],
                           check=True, stdout=subprocess.DEVNULL)
        subprocess.run([quorum, "import", "bench", texts, "--db", db, "--format", "chat" if args.kind == "chat" else "text"],
                       check=True, stdout=subprocess.DEVNULL)
        with sqlite3.connect(db) as connection:
            users = [row[0] for row in connection.execute("SELECT id FROM users WHERE username IN ('a1', 'a2', 'a3') ORDER BY username")]
            rows = []
            for (item, text) in connection.execute("SELECT id, input FROM items"):
                truth = rng.choice(labels)
                for user in users:
                    agree = rng.random() < 0.8
                    if args.kind == "chat":
                        messages = json.loads(text)["messages"]
                        messages[-1]["content"] = messages[-1]["content"] if agree else sentence(40)
                        rows.append((item, user, "[]", "[]", json.dumps(messages)))
                    elif args.kind == "spans":
                        line = json.loads(text)["text"]
                        start = line.index("Anna")
                        spans = [{"start": start, "end": start + 10, "label": "PER", "text": line[start:start + 10]}]
                        if agree:
                            where = line.index("Oslo")
                            spans.append({"start": where, "end": where + 4, "label": "LOC", "text": "Oslo"})
                        rows.append((item, user, "[]", json.dumps(spans), None))
                    else:
                        label = truth if agree else rng.choice(labels)
                        rows.append((item, user, f'["{label}"]', "[]", None))
            connection.executemany("""
                INSERT INTO annotations (item_id, annotator_id, status, labels, spans, messages, note, seconds_spent, version, created_at, updated_at)
                VALUES (?, ?, 'submitted', ?, ?, ?, '', 4, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')""", rows)
            # Quorum counts answers as it saves them; answers written straight in are counted here.
            connection.execute("""
                UPDATE items SET taken = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status != 'skipped'),
                    submitted = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status = 'submitted')""")
        # The rows written here sit in the write-ahead log until a checkpoint; a server's checkpointer keeps the log
        # short, so the log is folded in before measuring (the first command to open the file would otherwise
        # copy hundreds of megabytes into the database and count them as its own).
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"prepared {args.items:,} {args.kind} items × 3 answers", flush=True)
        if args.keep:
            shutil.copy(db, args.keep)
        del rows  # (the peak is measured from a helper: see measured.py)
        best, peak = None, 0
        for _ in range(3):
            elapsed, peak_kb, code = run_measured([quorum, "agreement", "bench", "--json", "--db", db])
            if code != 0:
                return 1
            best = elapsed if best is None else min(best, elapsed)
            peak = max(peak, peak_kb)
        print(f"agreement ({args.kind}): {args.items:,} items × 3 annotators read and computed in {best:.2f} s (best of 3), peak RSS {peak / 1024:.0f} MB (largest of 3)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
