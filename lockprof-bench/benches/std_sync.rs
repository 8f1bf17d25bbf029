//! `lockprof::sync::Mutex` (and `RwLock`) against `std::sync`'s, the locks it replaces: the
//! uncontended lock+unlock (target: at most 1.15× std's time, recording on), a read lock, and
//! contended rounds (target: at least 0.95× std's throughput). Recording is on, into lockprof's
//! real Layer and writer thread, as in `compare`. Paired ratios over several processes:
//! `ONLY=std,lockprof_sync cargo run -p lockprof-bench --release --example paired`.
//!
//! ```text
//! cargo bench -p lockprof-bench --bench std_sync [-- uncontended]
//! ```

use std::time::Duration;

use criterion::{Criterion, Throughput};
use lockprof_bench::{Case, Contender, GlobalTrace, LockprofSync};

const CASES: [Case; 6] = [
    Case::Uncontended,
    Case::UncontendedRead,
    Case::Contended(2),
    Case::Contended(4),
    Case::Contended(8),
    Case::Handoff,
];

fn main() {
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let contenders = [
        Contender::new("std")
            .mutex::<std::sync::Mutex<u64>>()
            .rwlock::<std::sync::RwLock<u64>>(),
        Contender::new("lockprof_sync")
            .mutex::<LockprofSync<lockprof::sync::Mutex<u64>>>()
            .rwlock::<LockprofSync<lockprof::sync::RwLock<u64>>>(),
    ];
    let mut c = Criterion::default().configure_from_args();
    for case in CASES {
        let mut group = c.benchmark_group(format!("std_sync/{}", case.name()));
        group.throughput(Throughput::Elements(1));
        if !case.is_uncontended() {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(3));
        }
        for contender in &contenders {
            group.bench_function(contender.name(), |b| {
                b.iter_custom(|iters| contender.time(case, iters).expect("a measured case"))
            });
        }
        group.finish();
    }
    c.final_summary();
    drop(trace);
}
