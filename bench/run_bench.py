#!/usr/bin/env python3
"""Benchmarks the model loop's own overhead: `quorum run` over 10,000 hold-out items against a local endpoint that
answers at once (an asyncio server here, canned replies, keep-alive), concurrency 64; prints items/s and the
command's peak RSS. Then `quorum eval --vs` on 100,000 items whose outputs are written straight into SQLite."""
import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPLY = json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "card"}}], "usage": {"prompt_tokens": 40, "completion_tokens": 1}}).encode()
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(REPLY)).encode() + b"\r\n\r\n" + REPLY


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
            await reader.readexactly(length)
            writer.write(RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionResetError):
        writer.close()


def serve(ready):
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ready.append(server.sockets[0].getsockname()[1])
        await server.serve_forever()
    asyncio.run(main())


def quorum(binary, *args, db):
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--eval-items", type=int, default=100_000)
    parser.add_argument("--keep", help="copy the database here at the end (to profile eval)")
    args = parser.parse_args()
    binary = os.path.abspath(args.quorum)
    ready = []
    threading.Thread(target=serve, args=(ready,), daemon=True).start()
    while not ready:
        time.sleep(0.05)
    labels = ["card", "refund", "transfer", "other"]
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "run.db")
        total = max(args.items, args.eval_items)
        path = os.path.join(tmp, "gold.jsonl")
        with open(path, "w") as f:
            for i in range(total):
                f.write(json.dumps({"text": f"ticket {i}: please help with my {rng.choice(labels)}", "label": [rng.choice(labels)]}) + "\n")
        quorum(binary, "project", "create", "--name", "bench", "--kind", "classify", "--labels", ",".join(labels), db=db)
        quorum(binary, "import", "bench", path, "--as-gold", db=db)
        quorum(binary, "holdout", "bench", "--size", str(total), db=db)
        quorum(binary, "model", "add", "local", "--base-url", f"http://127.0.0.1:{ready[0]}/v1", "--model", "m", "--concurrency", "64", db=db)
        started = time.perf_counter()
        process = subprocess.Popen([binary, "run", "bench", "--model", "local", "--limit", str(args.items), "--json", "--db", db],
                                   stdout=subprocess.PIPE, text=True)
        out = process.stdout.read()
        _, _, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        summary = json.loads(out)
        print(f"run: {summary['answered']:,} of {args.items:,} items answered in {elapsed:.2f} s ({args.items / elapsed:,.0f} items/s), "
              f"peak RSS {usage.ru_maxrss / 1024:.0f} MB")
        # A second run over every item, written straight into SQLite, for the evaluation's own time.
        with sqlite3.connect(db) as connection:
            ids = [row[0] for row in connection.execute("SELECT id FROM items ORDER BY id")]
            connection.execute("INSERT INTO runs (project_id, model_id, selection, items, item_count, status, started_at) VALUES (1, 1, 'holdout', ?, ?, 'finished', 'x')",
                               (json.dumps(ids), len(ids)))
            run = connection.execute("SELECT MAX(id) FROM runs").fetchone()[0]
            connection.executemany("INSERT INTO run_outputs (run_id, item_id, output, created_at) VALUES (?, ?, ?, 'x')",
                                   ((run, i, rng.choice(labels)) for i in ids))
            connection.execute("INSERT INTO runs (project_id, model_id, selection, items, item_count, status, started_at) VALUES (1, 1, 'holdout', ?, ?, 'finished', 'x')",
                               (json.dumps(ids), len(ids)))
            other = run + 1
            connection.executemany("INSERT INTO run_outputs (run_id, item_id, output, created_at) VALUES (?, ?, ?, 'x')",
                                   ((other, i, rng.choice(labels)) for i in ids))
        for name, extra in [("eval", []), ("eval --vs", ["--vs", str(other)])]:
            best = None
            for _ in range(3):
                started = time.perf_counter()
                quorum(binary, "eval", "bench", "--run", str(run), *extra, "--json", db=db)
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            print(f"{name}: {len(ids):,} items in {best:.2f} s (best of 3, the whole command)")
        if args.keep:
            shutil.copy(db, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
