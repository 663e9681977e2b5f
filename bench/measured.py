"""Runs a command and measures its own peak memory (and time) from a small helper process.

Linux's peak-RSS figure of a process (`ru_maxrss`) survives `exec`: a child forked from a large benchmark script
(one that holds the rows it wrote, say) starts with the script's peak and reports it as its own. So the command is
started by a fresh, small Python that does nothing else, and that helper reports the figure."""
import json
import subprocess
import sys

HELPER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}))
"""


def run_measured(command):
    """The command's wall time in seconds, its peak RSS in KB and its exit code (its output is dropped)."""
    result = json.loads(subprocess.run([sys.executable, "-c", HELPER, *command], check=True, capture_output=True, text=True).stdout)
    return result["seconds"], result["peak_kb"], result["code"]
