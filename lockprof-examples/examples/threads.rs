//! The classic threading-tutorial program, profiled: a few threads run a target function that
//! increments a shared counter under a lock, and the count comes out exact.
//!
//! ```text
//! cargo run --release --example threads
//! cargo run --release -p lockprof-cli -- report lockprof-<pid>.lptrace
//! ```
//!
//! The only lockprof-specific lines are the `lockprof::Mutex` type and `lockprof::init()`.

use std::thread;

const THREADS: u64 = 4;
const INCREMENTS_PER_THREAD: u64 = 250_000;

/// The shared counter. A `static` works because the constructors are `const fn`; the name is what
/// reports call the lock (without one it would be called after this `file:line`).
static COUNTER: lockprof::Mutex<u64> = lockprof::Mutex::named("counter", 0);

/// The threads' target function: every increment is its own short critical section, so the
/// threads keep running into each other.
fn worker() {
    for _ in 0..INCREMENTS_PER_THREAD {
        *COUNTER.lock() += 1;
    }
}

fn main() {
    // Writes the trace to $LOCKPROF_OUT, or lockprof-<pid>.lptrace; complete once this is dropped.
    let _guard = lockprof::init();

    let workers: Vec<_> = (1..=THREADS)
        .map(|i| {
            // Named threads make the report's "holders" and "waiters" readable.
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(worker)
                .expect("failed to spawn a worker thread")
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker thread panicked");
    }

    let count = *COUNTER.lock();
    // The lock is what makes this exact: without it, increments would be lost.
    assert_eq!(count, THREADS * INCREMENTS_PER_THREAD);
    println!("counter = {count} ({THREADS} threads x {INCREMENTS_PER_THREAD} increments)");

    let trace = lockprof::config::default_path();
    let trace = std::path::absolute(&trace).unwrap_or(trace);
    println!("trace: {}", trace.display());
}
