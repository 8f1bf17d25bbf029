//! Every contender on every case, in one process and one run (criterion). The ratio table comes
//! from `scripts/bench-summary.sh`; this bench gives criterion's statistics for each cell.
//!
//! `LOCKPROF_BENCH_ONLY=parking_lot,lockprof_default cargo bench -p lockprof-bench` limits the
//! contenders; criterion's own filter (`-- contended_4t`) limits the cases.

#[path = "../shared/peers.rs"]
mod peers;

use std::time::Duration;

use criterion::{Criterion, Throughput};
use lockprof_bench::{Case, GlobalTrace};

fn main() {
    let hotpath = peers::HotpathSession::start();
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let only = std::env::var("LOCKPROF_BENCH_ONLY").ok();
    let contenders = peers::contenders(only.as_deref());

    let mut c = Criterion::default().configure_from_args();
    for case in Case::ALL {
        let mut group = c.benchmark_group(case.name());
        group.throughput(Throughput::Elements(1));
        match case {
            Case::Uncontended | Case::UncontendedRead => {}
            Case::Contended(_) | Case::Handoff | Case::ReadMostly | Case::ReadOnly => {
                group.sample_size(20);
                group.measurement_time(Duration::from_secs(3));
            }
            Case::Heavy => {
                group.sample_size(10);
                group.measurement_time(Duration::from_secs(4));
            }
        }
        for contender in contenders.iter().filter(|c| peers::measured(c, case)) {
            group.bench_function(contender.name(), |b| {
                b.iter_custom(|iters| contender.time(case, iters).expect("a measured case"))
            });
        }
        group.finish();
    }
    c.final_summary();
    drop(trace);
    drop(hotpath);
}
