#!/usr/bin/env bash
# Prints lockprof's benchmark ratio table (every contender, every case, vs parking_lot), the
# trace-based measurements and the distortion test. Extra arguments go to the summary:
#   scripts/bench-summary.sh --rounds 9 --only lockprof_default,hotpath
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -p lockprof-bench --release --example summary -- "$@"
