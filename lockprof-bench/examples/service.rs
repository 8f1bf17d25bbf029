//! The contended ratio as a service sees it: threads that take one lock for as long as the
//! service runs, not for a fixed count. Each round runs parking_lot, then lockprof (recording
//! through `lockprof::init()`, its writer thread live), for the same wall time, and counts the
//! operations every thread completed; the round's ratio is lockprof's count over parking_lot's.
//! Printed: the median over rounds and the spread, per thread count.
//!
//! ```text
//! cargo run -p lockprof-bench --release --example service -- [--procs 6] [--rounds 7] [--ms 150]
//!     [--hold-ns 25] [--threads N] [--mode mutex|read-mostly|read-only]
//! ```
//!
//! `--mode` picks the lock and the operations: a `Mutex` (the default), or an `RwLock` where
//! one operation in [`READ_MOSTLY_WRITE_EVERY`](lockprof_bench::READ_MOSTLY_WRITE_EVERY) is a
//! write (`read-mostly`; each thread starts at a different phase) or every one a read
//! (`read-only`); reads and writes hold the lock for the same critical section.
//!
//! A process lands in one of two regimes on this project's VMs and keeps it (parking_lot at
//! about 20 or 27 million operations a second at 2 threads, with lockprof's ratio 0.95 or 0.6
//! against it), so the rounds run in several processes and the median of their medians is
//! printed, with each process's.
//!
//! A fixed count, as `paired` measures, ends with a tail: the threads that got the lock more
//! often finish first, and the last ones run with less contention or none, where lockprof's
//! contended path costs nothing. A time-bounded round has every thread contending until the end.

use std::collections::BTreeMap;
use std::hint::black_box;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use lockprof_bench::{
    BenchMutex, BenchRwLock, LockprofDefault, LockprofOff, READ_MOSTLY_WRITE_EVERY, run_child,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().unwrap_or(default))
    };
    let settings = Settings {
        rounds: value("--rounds", 7).max(1) as usize,
        round: Duration::from_millis(value("--ms", 150).max(1)),
        hold_ns: value("--hold-ns", 25),
        only_threads: value("--threads", 0) as usize,
        mode: match args
            .iter()
            .position(|a| a == "--mode")
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
        {
            None | Some("mutex") => Mode::Mutex,
            Some("read-mostly") => Mode::ReadMostly,
            Some("read-only") => Mode::ReadOnly,
            Some(other) => {
                eprintln!("--mode {other}: expected mutex, read-mostly or read-only");
                std::process::exit(2);
            }
        },
    };
    if args.iter().any(|a| a == "--child") {
        child(&settings);
    } else {
        parent(value("--procs", 6).max(1) as usize, &args, &settings);
    }
}

struct Settings {
    rounds: usize,
    round: Duration,
    hold_ns: u64,
    only_threads: usize,
    mode: Mode,
}

/// The lock and operations of a round (`--mode`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Mutex,
    ReadMostly,
    ReadOnly,
}

impl Mode {
    /// One write in this many operations, for the reader-writer modes.
    fn write_every(self) -> Option<u64> {
        match self {
            Mode::ReadMostly => Some(READ_MOSTLY_WRITE_EVERY),
            Mode::Mutex | Mode::ReadOnly => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Mode::Mutex => "Mutex",
            Mode::ReadMostly => "RwLock, one operation in ten a write",
            Mode::ReadOnly => "RwLock, reads only",
        }
    }
}

/// Runs the rounds in `procs` fresh processes and prints the median of their medians.
fn parent(procs: usize, args: &[String], settings: &Settings) {
    // threads → (lockprof, recording off, parking_lot Mops/s) per process.
    let mut results: BTreeMap<usize, Vec<[f64; 3]>> = BTreeMap::new();
    let child_args: Vec<&str> = args.iter().map(String::as_str).chain(["--child"]).collect();
    for p in 0..procs {
        for line in run_child(&child_args).lines() {
            let fields: Vec<f64> = line
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            if let [threads, on, off, rate] = fields[..] {
                results
                    .entry(threads as usize)
                    .or_default()
                    .push([on, off, rate]);
            }
        }
        eprintln!("  process {} of {procs} done", p + 1);
    }
    println!(
        "\ntime-bounded rounds of {} ms ({}), {} ns critical section, lockprof recording through \
         lockprof::init(); {procs} processes × {} rounds, parking_lot and lockprof alternating\n",
        settings.round.as_millis(),
        settings.mode.describe(),
        settings.hold_ns,
        settings.rounds
    );
    println!(
        "| threads | lockprof ÷ parking_lot | process medians | recording off ÷ parking_lot | \
         parking_lot Mops/s |"
    );
    println!("|---:|---:|---|---:|---:|");
    for (threads, per_process) in results {
        let column = |i: usize| {
            let mut v: Vec<f64> = per_process.iter().map(|r| r[i]).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let (on, off, rate) = (column(0), column(1), column(2));
        let all: Vec<String> = on.iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "| {threads} | {:.3}× | {} | {:.3}× | {:.1} |",
            median(&on),
            all.join(", "),
            median(&off),
            median(&rate)
        );
    }
}

/// One process: per thread count, `rounds` rounds of parking_lot, lockprof and lockprof with
/// recording off; prints the median ratios and parking_lot's median rate.
fn child(settings: &Settings) {
    let steps = calibrate(settings.hold_ns);
    let out = std::env::temp_dir().join(format!("lockprof-service-{}.lptrace", std::process::id()));
    // SAFETY: nothing else runs yet, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(lockprof::config::OUT_ENV, &out) };
    let guard = lockprof::init();
    let round = settings.round;
    for threads in [2, 4, 8, 16] {
        if settings.only_threads != 0 && threads != settings.only_threads {
            continue;
        }
        let (mut on, mut off, mut rate) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..settings.rounds {
            let (pl, lp, lp_off) = if settings.mode == Mode::Mutex {
                let pl = run::<parking_lot::Mutex<u64>>(threads, round, steps);
                let lp = run::<LockprofDefault<lockprof::Mutex<u64>>>(threads, round, steps);
                LockprofOff::<lockprof::Mutex<u64>>::enter();
                let lp_off = run::<LockprofOff<lockprof::Mutex<u64>>>(threads, round, steps);
                LockprofOff::<lockprof::Mutex<u64>>::exit();
                (pl, lp, lp_off)
            } else {
                let every = settings.mode.write_every();
                let pl = run_rw::<parking_lot::RwLock<u64>>(threads, round, steps, every);
                let lp =
                    run_rw::<LockprofDefault<lockprof::RwLock<u64>>>(threads, round, steps, every);
                LockprofOff::<lockprof::RwLock<u64>>::enter();
                let lp_off =
                    run_rw::<LockprofOff<lockprof::RwLock<u64>>>(threads, round, steps, every);
                LockprofOff::<lockprof::RwLock<u64>>::exit();
                (pl, lp, lp_off)
            };
            on.push(lp as f64 / pl as f64);
            off.push(lp_off as f64 / pl as f64);
            rate.push(pl as f64 / round.as_secs_f64() / 1e6);
        }
        for v in [&mut on, &mut off, &mut rate] {
            v.sort_by(f64::total_cmp);
        }
        println!(
            "{threads} {:.4} {:.4} {:.2}",
            median(&on),
            median(&off),
            median(&rate)
        );
    }
    drop(guard);
    let _ = std::fs::remove_file(out);
}

/// The middle value of sorted values, or the mean of the two middle ones.
fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Operations `threads` threads complete on one lock in `round`, each holding it for `steps`
/// steps of arithmetic.
fn run<L: BenchMutex>(threads: usize, round: Duration, steps: u32) -> u64 {
    // Each on a line pair of its own: `stop`, read by every iteration, sharing the lock's line
    // would slow whichever lock it landed next to (parking_lot's 16 bytes, not lockprof's
    // 128-byte aligned lock).
    let lock = Arc::new(Padded(L::create()));
    let stop = Arc::new(Padded(AtomicBool::new(false)));
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, stop, barrier) =
                (Arc::clone(&lock), Arc::clone(&stop), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut ops = 0u64;
                while !stop.0.load(Relaxed) {
                    lock.0.with(|v| *v = hold(*v, steps));
                    ops += 1;
                }
                ops
            })
        })
        .collect();
    barrier.wait();
    thread::sleep(round);
    stop.0.store(true, Relaxed);
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}

/// Operations `threads` threads complete on one reader-writer lock in `round`: reads that each
/// compute `steps` steps from the value, and, with `write_every`, one write of as many steps in
/// that many operations.
fn run_rw<L: BenchRwLock>(
    threads: usize,
    round: Duration,
    steps: u32,
    write_every: Option<u64>,
) -> u64 {
    let lock = Arc::new(Padded(L::create()));
    let stop = Arc::new(Padded(AtomicBool::new(false)));
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (lock, stop, barrier) =
                (Arc::clone(&lock), Arc::clone(&stop), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut ops = 0u64;
                let mut sum = 0u64;
                // Threads start at different phases so their writes do not line up.
                let mut i = t as u64;
                while !stop.0.load(Relaxed) {
                    if write_every.is_some_and(|every| i.is_multiple_of(every)) {
                        lock.0.write(|v| *v = hold(*v, steps));
                    } else {
                        sum = sum.wrapping_add(lock.0.read(|v| hold(*v, steps)));
                    }
                    i += 1;
                    ops += 1;
                }
                black_box(sum);
                ops
            })
        })
        .collect();
    barrier.wait();
    thread::sleep(round);
    stop.0.store(true, Relaxed);
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}

/// A value alone on its pair of cache lines.
#[repr(align(128))]
struct Padded<T>(T);

/// `steps` dependent multiply-adds the optimiser cannot fold. One copy for every contender, never
/// inlined: inlined, each contender's loop sat at its own alignment and ran at its own speed, so
/// the critical section's length, not the lock, set the ratios (BENCHMARKS.md, "One copy of the
/// critical section").
#[inline(never)]
fn hold(mut x: u64, steps: u32) -> u64 {
    for _ in 0..steps {
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

/// Steps that take `ns` on this machine (the fastest of five timings).
fn calibrate(ns: u64) -> u32 {
    const TIMED: u32 = 100_000;
    let fastest = (0..5)
        .map(|_| {
            let start = Instant::now();
            black_box(hold(1, TIMED));
            start.elapsed()
        })
        .min()
        .unwrap();
    let per_step = fastest.as_nanos() as f64 / f64::from(TIMED);
    ((ns as f64 / per_step).round() as u32).max(1)
}
