"""Time commands side by side: median, min and max wall time of N runs (after one warm-up).

usage: python3 bench/timing.py RUNS LABEL=[DIR::]COMMAND [...]
COMMAND is split like a shell would (no shell is started, so none is timed); DIR is the working
directory. Prints one row per command and, for each pair "retort X"/"alembic X", the speed-up.
"""
import shlex
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
results = {}
print(f"{'case':<34} {'median':>10} {'min':>10} {'max':>10}   runs={runs}")
for spec in sys.argv[2:]:
    label, command = spec.split("=", 1)
    cwd = None
    if "::" in command:
        cwd, command = command.split("::", 1)
    argv = shlex.split(command)
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    results[label] = statistics.median(times)
    print(f"{label:<34} {results[label]*1000:>8.1f}ms {min(times)*1000:>8.1f}ms {max(times)*1000:>8.1f}ms")
print()
for label, value in results.items():
    if label.startswith("retort "):
        other = "alembic " + label[len("retort "):]
        if other in results:
            print(f"{label[len('retort '):]:<34} retort is {results[other] / value:.0f}x faster than alembic")
