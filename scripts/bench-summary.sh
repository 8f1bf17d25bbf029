#!/usr/bin/env bash
# Prints the contended cases paired over 8 processes (parking_lot and lockprof's default recording
# only: the figures to quote, since one process can land in a slow regime for its whole life),
# then lockprof's full ratio table (every contender, every case, vs parking_lot), the trace-based
# measurements and the distortion test. About two minutes on 2 cores. The paired run comes first:
# run right after the table's minute of load, its 2-thread ratio measured 0.88-0.93x against
# 0.95-0.97x on a rested machine (BENCHMARKS.md). Extra arguments go to the table:
#   scripts/bench-summary.sh --rounds 9 --only lockprof_default,hotpath
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p lockprof-bench --release --example paired --example summary
echo "contended cases, parking_lot and lockprof (default recording), paired in 8 processes:"
ONLY=parking_lot,lockprof_default cargo run -q -p lockprof-bench --release --example paired -- \
    --procs 8 --rounds 5
echo
cargo run -q -p lockprof-bench --release --example summary -- "$@"
