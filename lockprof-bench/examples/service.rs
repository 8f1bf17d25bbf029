//! The contended ratio as a service sees it: threads that take one lock for as long as the
//! service runs, not for a fixed count. Each round runs parking_lot, then lockprof (recording
//! through `lockprof::init()`, its writer thread live), for the same wall time, and counts the
//! operations every thread completed; the round's ratio is lockprof's count over parking_lot's.
//! Printed: the median over rounds and the spread, per thread count.
//!
//! ```text
//! cargo run -p lockprof-bench --release --example service -- [--rounds 15] [--ms 200] [--hold-ns 25]
//! ```
//!
//! A fixed count, as `paired` measures, ends with a tail: the threads that got the lock more
//! often finish first, and the last ones run with less contention or none, where lockprof's
//! contended path costs nothing. A time-bounded round has every thread contending until the end.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use lockprof_bench::{BenchMutex, LockprofDefault};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().unwrap_or(default))
    };
    let rounds = value("--rounds", 15).max(1) as usize;
    let round = Duration::from_millis(value("--ms", 200).max(1));
    let hold_ns = value("--hold-ns", 25);
    let steps = calibrate(hold_ns);
    let out = std::env::temp_dir().join(format!("lockprof-service-{}.lptrace", std::process::id()));
    // SAFETY: nothing else runs yet, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(lockprof::OUT_ENV, &out) };
    let guard = lockprof::init();
    println!(
        "time-bounded rounds of {} ms, {hold_ns} ns critical section, lockprof recording through \
         lockprof::init(); {rounds} rounds, parking_lot and lockprof alternating\n",
        round.as_millis()
    );
    println!("| threads | lockprof ÷ parking_lot, median | min – max | parking_lot Mops/s |");
    println!("|---:|---:|---|---:|");
    for threads in [2, 4, 8, 16] {
        let mut ratios = Vec::new();
        let mut base_rate = Vec::new();
        for _ in 0..rounds {
            let pl = run::<parking_lot::Mutex<u64>>(threads, round, steps);
            let lp = run::<LockprofDefault<lockprof::Mutex<u64>>>(threads, round, steps);
            ratios.push(lp as f64 / pl as f64);
            base_rate.push(pl as f64 / round.as_secs_f64() / 1e6);
        }
        ratios.sort_by(f64::total_cmp);
        base_rate.sort_by(f64::total_cmp);
        println!(
            "| {threads} | {:.3}× | {:.3} – {:.3} | {:.1} |",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            base_rate[base_rate.len() / 2],
        );
    }
    drop(guard);
    let _ = std::fs::remove_file(out);
}

/// Operations `threads` threads complete on one lock in `round`, each holding it for `steps`
/// steps of arithmetic.
fn run<L: BenchMutex>(threads: usize, round: Duration, steps: u32) -> u64 {
    let lock = Arc::new(L::create());
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, stop, barrier) =
                (Arc::clone(&lock), Arc::clone(&stop), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut ops = 0u64;
                while !stop.load(Relaxed) {
                    lock.with(|v| *v = hold(*v, steps));
                    ops += 1;
                }
                ops
            })
        })
        .collect();
    barrier.wait();
    thread::sleep(round);
    stop.store(true, Relaxed);
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}

/// `steps` dependent multiply-adds the optimiser cannot fold.
#[inline(always)]
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
