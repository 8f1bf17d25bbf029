//! Contended acquisitions one at a time, for counting what lockprof spends per wait under
//! `valgrind --tool=callgrind`, where wall-clock noise does not reach (`scripts/instructions.py`
//! runs it and does the arithmetic).
//!
//! The main thread takes the lock, lets the worker try it, holds it 1 ms so the worker really
//! waits, and releases; the worker then holds it 200 µs. The holds are long enough apart that
//! every release with waiting to charge is measured (no storm sampling, whose random picks would
//! make the count vary from run to run). Waits are short of the event threshold and stack capture
//! is off, as in a storm of contention once the stack budget is spent: what is left is the
//! bookkeeping every contended acquisition pays. With `events`, the event threshold stays at its
//! default instead, so every wait and every measured hold (1 ms of blame) is emitted as an event:
//! for counting what an event costs. The program prints how many of its acquisitions waited (the
//! worker checks with `try_lock` first).
//!
//! ```text
//! wait_instructions [WAITS [events]]
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use lockprof_bench::GlobalTrace;

/// How long the main thread holds the lock once the worker is about to try it.
const HOLD: Duration = Duration::from_millis(1);
/// How long the worker holds it then.
const WORKER_HOLD: Duration = Duration::from_micros(200);
/// Both hold this long in the first hand-over, so the summary histograms grow there, once, to
/// cover every later wait and hold (growing one costs as much as a hundred waits).
const FIRST_HOLD: Duration = Duration::from_millis(50);

fn hold(i: u32, usual: Duration) -> Duration {
    if i == 0 { FIRST_HOLD } else { usual }
}

fn usage() -> ! {
    eprintln!("usage: wait_instructions [WAITS [events]]");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let waits: u32 = match args.next() {
        None => 400,
        Some(arg) => arg.parse().unwrap_or_else(|_| usage()),
    };
    let events = match args.next().as_deref() {
        None => false,
        Some("events") => true,
        Some(_) => usage(),
    };
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    // Unless events are asked for, every wait goes to the summary histograms: the storm regime.
    if !events {
        lockprof::config::set_event_threshold(Duration::from_secs(3600));
    }
    // No wait captures a stack, as once the stack budget is spent.
    lockprof::config::set_stack_capture(false);
    let lock = Arc::new(lockprof::Mutex::named("handed-over", 0u64));
    // Odd: the worker may try the lock (the main thread holds it); even: the worker is done.
    let turn = Arc::new(AtomicU32::new(0));
    let worker = {
        let (lock, turn) = (Arc::clone(&lock), Arc::clone(&turn));
        std::thread::spawn(move || {
            let mut waited = 0u32;
            for i in 0..waits {
                while turn.load(SeqCst) != 2 * i + 1 {
                    std::thread::yield_now();
                }
                let mut guard = match lock.try_lock() {
                    Some(guard) => guard,
                    None => {
                        waited += 1;
                        lock.lock()
                    }
                };
                *guard += 1;
                std::thread::sleep(hold(i, WORKER_HOLD));
                drop(guard);
                turn.store(2 * i + 2, SeqCst);
            }
            waited
        })
    };
    for i in 0..waits {
        let guard = lock.lock();
        turn.store(2 * i + 1, SeqCst);
        std::thread::sleep(hold(i, HOLD));
        drop(guard);
        while turn.load(SeqCst) != 2 * i + 2 {
            std::thread::yield_now();
        }
    }
    let waited = worker.join().expect("the worker does not panic");
    lockprof::flush();
    drop(trace);
    println!("waits {waited}");
}
