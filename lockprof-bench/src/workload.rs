//! The workloads: what each case does with a lock, timed from the moment every worker is ready.

use std::hint::black_box;
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

/// About 50 ns of dependent arithmetic on the protected value (20 multiply-adds the optimiser
/// cannot fold).
#[inline]
pub fn hold_50ns(v: &mut u64) {
    let mut x = *v;
    for _ in 0..20 {
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
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
