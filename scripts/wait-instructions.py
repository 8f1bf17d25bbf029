#!/usr/bin/env python3
"""Instructions lockprof spends per contended acquisition, counted by callgrind (repeatable where
wall-clock is not): the waiter's side (the contended path around the blocking, and the release
that records the wait) and the holder's (the release that measures the waiting it caused).

Blocking and waking (the lock word's `lock_slow` and `unlock_slow`, parking_lot_core, the
system calls) are the lock's own work and are left out. Two runs, of WAITS and of 2 × WAITS
contended acquisitions; their difference is the cost per wait without the one-time costs
(registering the thread, creating the histograms). Both runs are short of the one-second summary
flush, which is paid per second, not per wait. Needs valgrind.

    scripts/wait-instructions.py [--detail] [WAITS]

`--detail` also lists the functions that cost the most per wait (their own instructions, with
what was inlined into them).
"""

import collections
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target/release/examples/wait_instructions"
# Collection runs inside these: callgrind toggles it on entering and off leaving them.
MEASURED = ["acquire::contended", "acquire::release_slow"]
# The lock's own blocking and waking, called from inside them.
LOCK_OWN = re.compile(r"lock_slow|unlock_slow|parking_lot_core|yield_now|sched_yield|^syscall$")
# Self cost per file and function: "1,234 (5.6%)  file:function [object]".
ENTRY = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(?:\S+?:)?(\S.*?)(?: \[.*\])?$")


def count(waits, workdir):
    """Runs the scenario with `waits` hand-overs; returns (waited, {(side, function): instructions})."""
    out = pathlib.Path(workdir) / str(waits)
    out.mkdir()
    toggles = [f"--toggle-collect=*{name}*" for name in MEASURED]
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes",
         f"--callgrind-out-file={out / 'cg'}", *toggles, str(BINARY), str(waits)],
        capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"wait_instructions failed:\n{run.stderr}")
    waited = int(re.search(r"^waits (\d+)", run.stdout, re.M).group(1))
    sides = collections.Counter()
    for file in out.glob("cg-*"):
        annotated = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", str(file)],
                                   capture_output=True, text=True, check=True).stdout
        if "collect_summaries" in annotated:
            print(f"warning: a summary flush ran during the {waits}-wait run", file=sys.stderr)
        side = "waiter" if "acquire::contended" in annotated else "holder"
        for line in annotated.split("file:function", 1)[-1].splitlines():
            entry = ENTRY.match(line)
            if entry and not LOCK_OWN.search(entry.group(2)):
                sides[side, entry.group(2)] += int(entry.group(1).replace(",", ""))
    return waited, sides


def main():
    args = sys.argv[1:]
    detail = "--detail" in args
    numbers = [a for a in args if a != "--detail"]
    waits = int(numbers[0]) if numbers else 150
    subprocess.run(["cargo", "build", "-q", "-p", "lockprof-bench", "--release",
                    "--example", "wait_instructions"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as workdir:
        w1, once = count(waits, workdir)
        w2, twice = count(2 * waits, workdir)
    if w2 <= w1:
        sys.exit(f"too few acquisitions waited ({w1}, then {w2})")
    print(f"{w1} and {w2} of {waits} and {2 * waits} acquisitions waited")
    per_function = {key: (twice[key] - once[key]) / (w2 - w1) for key in twice.keys() | once.keys()}
    total = 0
    for side in ("waiter", "holder"):
        costs = sorted(((v, f) for (s, f), v in per_function.items() if s == side), reverse=True)
        side_total = sum(v for v, _ in costs)
        total += side_total
        print(f"{side}: {side_total:.0f} instructions per wait")
        if detail:
            for value, function in costs[:15]:
                print(f"  {value:7.1f}  {function}")
    print(f"total:  {total:.0f} instructions per wait")


if __name__ == "__main__":
    main()
