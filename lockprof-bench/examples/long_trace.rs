//! Writes the trace of a busy service for as long as asked, for measuring what reading a long
//! trace costs the CLI (lockprof-cli/BENCHMARKS.md, "Reading long traces"): 16 threads take 8
//! locks from 5 sites in bursts of a thousand acquisitions, 200 µs apart, so every thread flushes
//! a summary per (lock, site) every second, with histograms that reach milliseconds.
//!
//! ```text
//! cargo run -p lockprof-bench --release --example long_trace -- SECONDS PATH
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing_subscriber::prelude::*;

const THREADS: usize = 16;
const LOCKS: usize = 8;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(seconds), Some(path)) = (args.first().and_then(|s| s.parse().ok()), args.get(1))
    else {
        eprintln!("usage: long_trace SECONDS PATH");
        std::process::exit(2);
    };
    let (layer, guard) = match lockprof::layer().with_path(path).build() {
        Ok(built) => built,
        Err(e) => {
            eprintln!("long_trace: cannot write {path}: {e}");
            std::process::exit(1);
        }
    };
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("no other subscriber is set");
    let locks: Arc<Vec<lockprof::Mutex<u64>>> =
        Arc::new((0..LOCKS).map(|_| lockprof::Mutex::new(0)).collect());
    let end = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let locks = Arc::clone(&locks);
            std::thread::spawn(move || work(&locks, t, end))
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    drop(guard);
}

/// Bursts of acquisitions from five sites until `end`, the last site's holds longer.
fn work(locks: &[lockprof::Mutex<u64>], thread: usize, end: Instant) {
    let mut i = 0usize;
    while Instant::now() < end {
        for _ in 0..1000 {
            i += 1;
            let lock = &locks[(i * 7 + thread) % LOCKS];
            match i % 5 {
                0 => *lock.lock() += 1,
                1 => *lock.lock() += 2,
                2 => *lock.lock() += 3,
                3 => *lock.lock() += 4,
                _ => {
                    let mut value = lock.lock();
                    for _ in 0..50 {
                        *value = value.wrapping_mul(3) + 1;
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}
