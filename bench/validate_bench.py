#!/usr/bin/env python3
"""Benchmarks `quorum validate` on a generated chat file (1,000,000 examples by default) with exact
token counts, beside the notebook's checks in Python with tiktoken (bench/notebook_checks.py) on the
same file. Prints MB/s and peak RSS of each."""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from import_bench import generate  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
PYLIB = os.path.join(ROOT, ".cache", "benchlib")


def timed(command, env=None):
    """Runs a command in a child of its own, so its peak RSS is measured alone."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper] + command, capture_output=True, text=True, env=env, check=True)
    seconds, rss_kb, code = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024, int(code)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quorum", required=True)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    ranks = os.path.join(ROOT, ".cache", "o200k_base.tiktoken")
    if not os.path.isdir(os.path.join(PYLIB, "tiktoken")):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", PYLIB, "tiktoken"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "validate.jsonl")
        generate(data, args.lines, seed=11)
        size = os.path.getsize(data) / 1e6
        print(f"generated {args.lines:,} examples, {size:.1f} MB", flush=True)
        q_seconds, q_rss, q_code = timed([os.path.abspath(args.quorum), "validate", data, "--json"])
        print(f"quorum validate: {q_seconds:.1f} s, {size / q_seconds:.1f} MB/s, peak RSS {q_rss:.0f} MB (exit {q_code})", flush=True)
        env = dict(os.environ, PYTHONPATH=PYLIB)
        p_seconds, p_rss, _ = timed([sys.executable, os.path.join(os.path.dirname(__file__), "notebook_checks.py"), data, ranks], env=env)
        print(f"notebook checks (Python + tiktoken): {p_seconds:.1f} s, {size / p_seconds:.1f} MB/s, peak RSS {p_rss:.0f} MB")
        print(f"quorum validate is {p_seconds / q_seconds:.2f}x the Python checker's throughput")


if __name__ == "__main__":
    sys.exit(main())
