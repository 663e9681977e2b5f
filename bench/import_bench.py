#!/usr/bin/env python3
"""Benchmarks `quorum import`: generates a chat JSONL file (1,000,000 lines by default) with varied
lengths, 1-6 messages and some non-ASCII text, imports it into a fresh database and prints items/s,
MB/s and the peak resident memory of the quorum process."""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

WORDS = ("account card refund transfer please help thanks the a of to is my when why how can you "
         "payment balance pending declined limit exchange rate fee café naïve 東京 銀行 👋 🇫🇷 données").split()


def sentence(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def generate(path, lines, seed=7):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            messages = []
            if rng.random() < 0.6:
                messages.append({"role": "system", "content": "You are a helpful bank assistant."})
            turns = rng.randint(1, 5 - len(messages) + 1)
            for t in range(turns):
                role = "user" if t % 2 == 0 else "assistant"
                messages.append({"role": role, "content": f"{i} " + sentence(rng, 3, 30)})
            if messages[-1]["role"] != "assistant" and len(messages) < 6:
                messages.append({"role": "assistant", "content": sentence(rng, 5, 40)})
            out.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True, help="path to the quorum binary")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    quorum = os.path.abspath(args.quorum)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "bench.jsonl")
        db = os.path.join(tmp, "bench.db")
        started = time.time()
        generate(data, args.lines)
        size = os.path.getsize(data)
        print(f"generated {args.lines:,} lines, {size / 1e6:.1f} MB in {time.time() - started:.1f} s", flush=True)
        # The generated file is still being written out by the kernel: let that finish, so the import does not
        # share the disk with it.
        os.sync()
        subprocess.run([quorum, "project", "create", "--name", "bench", "--kind", "chat", "--db", db], check=True,
                       stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        result = subprocess.run([quorum, "import", "bench", data, "--json", "--db", db], check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        summary = json.loads(result.stdout)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"import: {summary['imported']:,} items ({summary['duplicates']} duplicates) in {elapsed:.2f} s")
        print(f"import: {summary['imported'] / elapsed:,.0f} items/s, {size / 1e6 / elapsed:.1f} MB/s, peak RSS {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
