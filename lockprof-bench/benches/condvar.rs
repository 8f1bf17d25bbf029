//! Producer/consumer queues on a `Mutex` and two `Condvar`s (1 producer, 4 consumers, a queue of
//! 1 and of 16 items; `lockprof_bench::QUEUE_CASES`): parking_lot 0.13 against lockprof with
//! recording off and on. One iteration is one whole run of the case; the paired ratios over
//! several processes come from `examples/condvar_paired.rs` (BENCHMARKS.md, "Condvar").
//!
//! ```text
//! cargo bench -p lockprof-bench --bench condvar [-- queue_1p4c_cap1]
//! ```

use std::time::Duration;

use criterion::{Criterion, Throughput};
use lockprof_bench::{
    GlobalTrace, LockprofDefault, LockprofOff, ParkingLotQueue, QUEUE_CASES, QueueCase, QueueLocks,
    run_queue,
};

/// Times `iters` runs of `case` on `L`'s locks, under `L`'s settings.
fn time<L: QueueLocks>(case: &QueueCase, iters: u64) -> Duration {
    L::enter();
    let total = (0..iters).map(|_| run_queue::<L>(case)).sum();
    L::exit();
    total
}

fn main() {
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let mut c = Criterion::default().configure_from_args();
    for case in &QUEUE_CASES {
        let mut group = c.benchmark_group(case.name);
        group.throughput(Throughput::Elements(case.messages as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(3));
        group.bench_function("parking_lot", |b| {
            b.iter_custom(|iters| time::<ParkingLotQueue>(case, iters))
        });
        group.bench_function("lockprof_off", |b| {
            b.iter_custom(|iters| time::<LockprofOff<lockprof::Condvar>>(case, iters))
        });
        group.bench_function("lockprof_default", |b| {
            b.iter_custom(|iters| time::<LockprofDefault<lockprof::Condvar>>(case, iters))
        });
        group.finish();
    }
    c.final_summary();
    drop(trace);
}
