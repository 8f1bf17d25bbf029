//! Side-by-side benchmarks of lockprof against `parking_lot`, `std` and the Rust crates that
//! profile locks.
//!
//! This crate is the harness only: the lock abstraction the cases are written against
//! ([`BenchMutex`], [`BenchRwLock`]), the workloads ([`Case`]), the contenders table
//! ([`Contender`]), lockprof's recording modes, and the measurements that need a real trace
//! (bytes per contention event, profiler CPU per contended event, and the distortion test in
//! [`distortion`]). The peers are dev-dependencies: they are wired in by `benches/compare.rs`
//! (criterion) and `examples/summary.rs` (the one-command ratio table), both through
//! `shared/peers.rs`. BENCHMARKS.md at the repository root has the method and the results.
//!
//! ```no_run
//! use lockprof_bench::{Case, Contender, GlobalTrace, LockprofDefault};
//!
//! let _trace = GlobalTrace::install()?;
//! let pl = Contender::new("parking_lot").mutex::<parking_lot::Mutex<u64>>();
//! let lp = Contender::new("lockprof").mutex::<LockprofDefault<lockprof::Mutex<u64>>>();
//! let base = pl.time(Case::Uncontended, 1_000_000).expect("a mutex case");
//! let own = lp.time(Case::Uncontended, 1_000_000).expect("a mutex case");
//! println!("lockprof costs {:.2}× parking_lot", own.as_secs_f64() / base.as_secs_f64());
//! # Ok::<(), std::io::Error>(())
//! ```

mod child;
mod contender;
mod cpu;
pub mod distortion;
mod global;
mod isolated;
mod locks;
mod queue;
mod stats;
mod workload;

pub use child::run_child;
pub use contender::{Case, Contender};
pub use cpu::process_cpu_time;
pub use global::GlobalTrace;
pub use isolated::Isolated;
pub use locks::{
    BenchMutex, BenchRwLock, LockprofDefault, LockprofEveryHold, LockprofNoStacks, LockprofOff,
    LockprofSync,
};
pub use queue::{
    Notify, ParkingLotQueue, QUEUE_CASES, Queue, QueueCase, QueueLocks, WEBKIT_CASES, run_queue,
};
pub use stats::TraceStats;
pub use workload::{
    HANDOFF_THREADS, HEAVY_HOLD, HEAVY_THREADS, HOLD_NS, READ_MOSTLY_THREADS,
    READ_MOSTLY_WRITE_EVERY, contended, handoffs, hold_50ns, hold_heavy, hold_steps, read_mostly,
    read_only, spin_1us, uncontended, uncontended_read, work_200ns,
};
