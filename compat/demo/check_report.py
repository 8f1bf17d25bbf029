#!/usr/bin/env python3
"""Checks a `lockprof report --format json` of compat/demo's trace: the dependencies' own locks
are in it, named and sited by lines of the dependencies' own source, and contended.

    check_report.py REPORT.json

- r2d2's pool mutex, named after the line of r2d2's src/lib.rs that creates it, contended, its
  acquire sites in that file;
- tokio's mutexes (one class: tokio's `Mutex::new` wraps parking_lot's, so they are all created
  at one line of its src/loom/std/parking_lot.rs), contended, their sites in tokio's source.

Exits with an error naming what is missing; prints what it found.
"""

import json
import re
import sys

SOURCES = {
    "r2d2": re.compile(r"/r2d2-0\.8\.\d+/src/[\w/]+\.rs:\d+$"),
    "tokio": re.compile(r"/tokio-1\.\d+\.\d+/src/[\w/]+\.rs:\d+$"),
}


def main(path):
    with open(path) as f:
        report = json.load(f)
    if report.get("schema") != "lockprof.report/1":
        sys.exit(f"{path}: not a lockprof report")
    for crate, source in SOURCES.items():
        locks = [lock for lock in report["locks"] if source.search(lock["name"])]
        contended = [lock for lock in locks if lock["contended"] > 0]
        if not contended:
            names = [lock["name"] for lock in report["locks"]]
            sys.exit(f"no contended lock named after {crate}'s source; locks: {names}")
        for lock in contended:
            sites = [s["site"] for s in lock["sites"]]
            foreign = [s for s in sites if not source.search(s)]
            if not sites or foreign:
                sys.exit(f"{lock['name']}: sites outside {crate}'s source: {foreign or sites}")
            print(
                f"{crate}: {lock['name']} × {lock.get('instances', 1)}, "
                f"{lock['contended']} of {lock['acquisitions']} contended, sites {sorted(set(sites))}"
            )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
