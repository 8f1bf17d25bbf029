#!/usr/bin/env python3
"""What lockprof's hot paths cost in instructions, counted by callgrind: repeatable where
wall-clock is not (the same binary gives the same counts on a loaded machine).

- Fast path: one uncontended lock+unlock (and read lock+unlock) of parking_lot, lockprof with
  recording off, lockprof as shipped, std and `lockprof::sync`, in `workload::uncontended*`
  (`examples/instructions.rs`).
- Per wait (`examples/wait_instructions.rs`): what lockprof adds to one contended acquisition.
  The waiter's side is the contended path around the blocking and the release that records the
  wait; the holder's is its release that measures the waiting it caused. Blocking and waking
  (the lock word's `lock_slow` and `unlock_slow`, parking_lot_core, system calls) are the lock's
  own work and are left out. Two runs, of WAITS and of 2 × WAITS hand-overs; their difference is
  the cost per wait without one-time costs (registering the thread, creating the histograms).
  Both runs end before the one-second summary flush, which is paid per second, not per wait.
- Per event: the same hand-overs with the default event threshold, so each of the holder's
  releases emits a hold event; what its thread spends in emitting them after the unlock
  (formatting the fields, the Layer, the writer's channel), per event.

    scripts/instructions.py [--detail] [--check] [WAITS]

`--detail` lists the functions that cost the most per wait (their own instructions, with what
was inlined into them). `--check` exits with an error if a count is over its budget (below);
CI runs it. Needs valgrind.
"""

import collections
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Where cargo builds them: CARGO_TARGET_DIR if set, as cargo itself reads it.
EXAMPLES = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release/examples"

# Budgets for `--check`, in instructions, about 20 % above the counts measured (fast path 59.0 /
# 25.0 mutex and 55.0 / 32.0 read; `lockprof::sync` 77.9 mutex and 56.0 read, std's own 17 and
# 18) so that a change that adds a map lookup, a clock read or an atomic to the fast path fails,
# and code layout does not. The per-wait ones (1 356 waiter, 491 holder) have less, 10–15 %,
# though they include clock readings: the TSC here, but a machine whose TSC quanta does not
# trust reads the system clock instead, at up to a hundred instructions more per reading. Every
# wait of this workload yields and parks: the waiter registers itself in the lock's waiting
# integral when it starts yielding (see `waiting` in acquire/contended.rs), between two clock
# readings. An emitted hold event (3 065) has
# about 20 %.
BUDGETS = {
    ("mutex", "lockprof_default"): 71,
    ("mutex", "lockprof_off"): 30,
    ("read", "lockprof_default"): 70,
    ("read", "lockprof_off"): 40,
    ("mutex", "lockprof_sync"): 94,
    ("read", "lockprof_sync"): 71,
    ("wait", "waiter"): 1500,
    ("wait", "holder"): 570,
    ("event", "hold"): 3600,
}

# Fast path: iterations counted (plus the example's 1 000 warm-up ones).
ITERATIONS = 200_000
# Per wait: collection runs inside these (callgrind toggles it on entering and off leaving)...
MEASURED = ["acquire::contended::contended", "acquire::release::release_slow"]
# ...except in the lock's own blocking and waking, called from inside them.
LOCK_OWN = re.compile(r"lock_slow|unlock_slow|parking_lot_core|yield_now|sched_yield|^syscall$")
# Self cost per file and function in callgrind_annotate: "1,234 (5.6%)  file:function [object]".
ENTRY = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(?:\S+?:)?(\S.*?)(?: \[.*\])?$")
TOTALS = re.compile(r"^(?:summary|totals): (\d+)", re.M)


def callgrind(args, out, *, threads=False, toggles=()):
    """Runs `args` under callgrind writing to `out`; returns the program's stdout."""
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    if threads:
        command.append("--separate-threads=yes")
    command += [f"--toggle-collect=*{name}*" for name in toggles]
    run = subprocess.run(command + [str(a) for a in args], capture_output=True, text=True,
                         check=False)
    if run.returncode != 0:
        sys.exit(f"{args[0]} failed under valgrind:\n{run.stderr}")
    return run.stdout


def fast_path(contender, case, workdir):
    """Instructions per uncontended operation."""
    out = pathlib.Path(workdir) / f"{case}-{contender}"
    callgrind([EXAMPLES / "instructions", contender, case, ITERATIONS], out,
              toggles=["workload::uncontended"])
    return int(TOTALS.search(out.read_text()).group(1)) / (ITERATIONS + 1_000)


def waited(stdout):
    """How many acquisitions of a `wait_instructions` run waited."""
    return int(re.search(r"^waits (\d+)", stdout, re.M).group(1))


def waits_run(waits, workdir):
    """Runs the hand-over scenario; returns (waited, {(side, function): instructions})."""
    out = pathlib.Path(workdir) / f"waits-{waits}"
    out.mkdir()
    stdout = callgrind([EXAMPLES / "wait_instructions", waits], out / "cg", threads=True,
                       toggles=MEASURED)
    costs = collections.Counter()
    for file in out.glob("cg-*"):
        annotated = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100",
                                    str(file)], capture_output=True, text=True, check=True).stdout
        side = "waiter" if "acquire::contended::contended" in annotated else "holder"
        for line in annotated.split("file:function", 1)[-1].splitlines():
            entry = ENTRY.match(line)
            if entry and not LOCK_OWN.search(entry.group(2)):
                costs[side, entry.group(2)] += int(entry.group(1).replace(",", ""))
    return waited(stdout), costs


def per_wait(waits, workdir):
    """Instructions per wait by side and function: the difference of two runs."""
    w1, once = waits_run(waits, workdir)
    w2, twice = waits_run(2 * waits, workdir)
    if w2 <= w1:
        sys.exit(f"too few acquisitions waited ({w1}, then {w2})")
    return {key: (twice[key] - once[key]) / (w2 - w1) for key in twice.keys() | once.keys()}


def per_event(waits, workdir):
    """Instructions the holder's thread (the main one, callgrind's thread 1) spends emitting one
    hold event after its release: the difference of two runs."""
    runs = []
    for n in (waits, 2 * waits):
        out = pathlib.Path(workdir) / f"events-{n}"
        out.mkdir()
        stdout = callgrind([EXAMPLES / "wait_instructions", n, "events"], out / "cg", threads=True,
                           toggles=["recorder::emit_after_release"])
        runs.append((waited(stdout), int(TOTALS.search((out / "cg-01").read_text()).group(1))))
    (w1, i1), (w2, i2) = runs
    if w2 <= w1:
        sys.exit(f"too few acquisitions waited ({w1}, then {w2})")
    return (i2 - i1) / (w2 - w1)


def main():
    args = sys.argv[1:]
    detail, check = "--detail" in args, "--check" in args
    numbers = [a for a in args if not a.startswith("--")]
    waits = int(numbers[0]) if numbers else 150
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: nothing to count")
    subprocess.run(["cargo", "build", "-q", "--locked", "-p", "lockprof-bench", "--release",
                    "--example", "instructions", "--example", "wait_instructions"],
                   cwd=ROOT, check=True)
    counts = {}
    with tempfile.TemporaryDirectory() as workdir:
        for case in ("mutex", "read"):
            for contender in ("parking_lot", "lockprof_off", "lockprof_default", "std",
                              "lockprof_sync"):
                counts[case, contender] = fast_path(contender, case, workdir)
        by_function = per_wait(waits, workdir)
        event = per_event(waits, workdir)
    for side in ("waiter", "holder"):
        counts["wait", side] = sum(v for (s, _), v in by_function.items() if s == side)
    counts["event", "hold"] = event

    print("| case | contender | instructions | budget |")
    print("|---|---|---:|---:|")
    for (case, who), value in counts.items():
        budget = BUDGETS.get((case, who))
        print(f"| {case} | {who} | {value:.1f} | {budget or ''} |")
    if detail:
        for side in ("waiter", "holder"):
            print(f"\nper wait, {side}, by function:")
            costs = sorted(((v, f) for (s, f), v in by_function.items() if s == side),
                           reverse=True)
            for value, function in costs[:15]:
                print(f"  {value:7.1f}  {function}")
    over = [f"{case} {who}: {counts[case, who]:.1f} > {budget}"
            for (case, who), budget in BUDGETS.items() if counts[case, who] > budget]
    if check and over:
        sys.exit("over budget:\n  " + "\n  ".join(over))


if __name__ == "__main__":
    main()
