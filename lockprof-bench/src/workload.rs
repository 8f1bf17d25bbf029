//! The workloads: what each case does with a lock, timed from the moment every worker is ready.

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::{BenchMutex, BenchRwLock};

/// Threads in the heavily contended case.
pub const HEAVY_THREADS: usize = 4;
/// How long each hold spins in the heavily contended case.
pub const HEAVY_HOLD: Duration = Duration::from_micros(10);
/// Threads in the hand-off case.
pub const HANDOFF_THREADS: usize = 4;
/// Threads in the read-mostly case.
pub const READ_MOSTLY_THREADS: usize = 4;
/// In the read-mostly case, one operation in this many is a write.
pub const READ_MOSTLY_WRITE_EVERY: u64 = 10;

/// How long [`hold_50ns`] holds, in nanoseconds, unless `LOCKPROF_BENCH_HOLD_NS` says otherwise
/// (to see how the ratios depend on the length of the critical section: BENCHMARKS.md).
pub const HOLD_NS: u64 = 50;

/// Steps of [`hold_50ns`]'s arithmetic, calibrated once per process (0: not yet).
static HOLD_STEPS: AtomicU32 = AtomicU32::new(0);

/// One step of dependent arithmetic the optimiser cannot fold: a multiply-add, ≈ 1.1 ns on this
/// project's machines.
#[inline(always)]
fn step(x: u64) -> u64 {
    black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1))
}

/// How many steps [`hold_50ns`] runs: as many as take [`HOLD_NS`] (or `LOCKPROF_BENCH_HOLD_NS`)
/// on this machine, from the fastest of five timings of 100 000 steps. Calibrated at the first
/// call; every case calls it before its timer starts.
///
/// Why calibrated: 20 fixed steps, as before, held for 23.5 ns on this project's
/// machines, not the ~50 ns the cases are specified with, and the share of a contended
/// acquisition that lockprof's bookkeeping adds depends on that length.
pub fn hold_steps() -> u32 {
    match HOLD_STEPS.load(Relaxed) {
        0 => calibrate_hold(),
        steps => steps,
    }
}

#[cold]
fn calibrate_hold() -> u32 {
    const TIMED: u32 = 100_000;
    let hold_ns = std::env::var("LOCKPROF_BENCH_HOLD_NS")
        .ok()
        .and_then(|ns| ns.parse::<u64>().ok())
        .filter(|&ns| ns > 0)
        .unwrap_or(HOLD_NS);
    let fastest = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut x = 1u64;
            for _ in 0..TIMED {
                x = step(x);
            }
            black_box(x);
            start.elapsed()
        })
        .min()
        .expect("five timings");
    let step_ns = fastest.as_secs_f64() * 1e9 / f64::from(TIMED);
    let steps = (hold_ns as f64 / step_ns.max(1e-3))
        .round()
        .clamp(1.0, 100_000.0) as u32;
    HOLD_STEPS.store(steps, Relaxed);
    steps
}

/// About 50 ns ([`HOLD_NS`]) of dependent arithmetic on the protected value. Never inlined, so
/// that every contender runs the same machine code for its critical section (see `hold` in
/// examples/service.rs).
#[inline(never)]
pub fn hold_50ns(v: &mut u64) {
    let mut x = *v;
    for _ in 0..hold_steps() {
        x = step(x);
    }
    *v = x;
}

/// About 200 ns of work outside the lock between two acquisitions, so the threads hand the lock
/// over often instead of one thread re-taking it for a whole time slice.
pub fn work_200ns(v: &mut u64) {
    for _ in 0..4 {
        hold_50ns(v);
    }
}

/// Spins for [`HEAVY_HOLD`] on the clock (a spin, not a sleep, so the hold is the same length on
/// a loaded machine whatever the scheduler's timer slack).
#[inline(never)]
pub fn hold_heavy(v: &mut u64) {
    spin(v, HEAVY_HOLD);
}

/// Spins for 1 µs on the clock.
#[inline(never)]
pub fn spin_1us(v: &mut u64) {
    spin(v, Duration::from_micros(1));
}

fn spin(v: &mut u64, how_long: Duration) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        *v = black_box(v.wrapping_add(1));
    }
}

/// `iters` uncontended lock+increment+unlock on the calling thread.
#[inline(never)]
pub fn uncontended<L: BenchMutex>(lock: &L, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        lock.with(|v| *v = v.wrapping_add(1));
    }
    start.elapsed()
}

/// `iters` uncontended read-lock+read+unlock on the calling thread.
#[inline(never)]
pub fn uncontended_read<L: BenchRwLock>(lock: &L, iters: u64) -> Duration {
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..iters {
        sum = sum.wrapping_add(lock.read(|v| *v));
    }
    black_box(sum);
    start.elapsed()
}

/// `threads` threads share `total` acquisitions of `lock`, each running `hold` inside; returns
/// the wall time from the moment all threads are ready until the last finishes.
pub fn contended<L: BenchMutex>(
    lock: &Arc<L>,
    threads: usize,
    total: u64,
    hold: fn(&mut u64),
) -> Duration {
    let per_thread = (total / threads as u64).max(1);
    run_threads(threads, |_| {
        let lock = Arc::clone(lock);
        move || {
            for _ in 0..per_thread {
                lock.with(hold);
            }
        }
    })
}

/// [`HANDOFF_THREADS`] threads share `total` acquisitions of `lock`, each running [`hold_50ns`]
/// inside and [`work_200ns`] on a value of its own before each acquisition.
pub fn handoffs<L: BenchMutex>(lock: &Arc<L>, total: u64) -> Duration {
    let threads = HANDOFF_THREADS;
    let per_thread = (total / threads as u64).max(1);
    run_threads(threads, |_| {
        let lock = Arc::clone(lock);
        move || {
            let mut own = 0u64;
            for _ in 0..per_thread {
                work_200ns(&mut own);
                lock.with(hold_50ns);
            }
            black_box(own);
        }
    })
}

/// [`READ_MOSTLY_THREADS`] threads share `total` operations on `lock`: one in
/// [`READ_MOSTLY_WRITE_EVERY`] a write running [`hold_50ns`], the others reads.
pub fn read_mostly<L: BenchRwLock>(lock: &Arc<L>, total: u64) -> Duration {
    readers(lock, total, Some(READ_MOSTLY_WRITE_EVERY))
}

/// [`READ_MOSTLY_THREADS`] threads share `total` read operations on `lock`, with no writer: what
/// is left is what readers on several cores cost each other (the lock word's line moving between
/// cores), and what a profiler adds to that.
pub fn read_only<L: BenchRwLock>(lock: &Arc<L>, total: u64) -> Duration {
    readers(lock, total, None)
}

/// [`READ_MOSTLY_THREADS`] threads share `total` operations on `lock`, one in `write_every` (if
/// any) a write.
fn readers<L: BenchRwLock>(lock: &Arc<L>, total: u64, write_every: Option<u64>) -> Duration {
    let threads = READ_MOSTLY_THREADS;
    let per_thread = (total / threads as u64).max(1);
    run_threads(threads, |t| {
        let lock = Arc::clone(lock);
        move || {
            let mut sum = 0u64;
            // Threads start at different phases so their writes do not line up.
            for i in t as u64..t as u64 + per_thread {
                if write_every.is_some_and(|every| i % every == 0) {
                    lock.write(hold_50ns);
                } else {
                    sum = sum.wrapping_add(lock.read(|v| v.wrapping_mul(3)));
                }
            }
            black_box(sum);
        }
    })
}

/// Spawns `threads` workers made by `make(index)`, releases them together and times them.
pub(crate) fn run_threads<F>(threads: usize, mut make: impl FnMut(usize) -> F) -> Duration
where
    F: FnOnce() + Send + 'static,
{
    // Calibrated before the timer starts, not in the first hold.
    hold_steps();
    let barrier = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let work = make(t);
            let barrier = Arc::clone(&barrier);
            thread::Builder::new()
                .name(format!("bench-{t}"))
                .spawn(move || {
                    barrier.wait();
                    work();
                    // Summary events go out now, while the subscriber of this run is in place.
                    lockprof::flush();
                })
                .expect("spawn a benchmark thread")
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for worker in workers {
        worker.join().expect("benchmark thread panicked");
    }
    start.elapsed()
}
