//! The workload of the stack tests: `waiter_path` waits for the `ledger` lock while
//! `holder_path` holds it (sleeping inside the critical section), a few rounds, each thread
//! measuring what it did.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A static, as most hot locks in real programs are.
pub(crate) static LEDGER: lockprof::Mutex<u64> = lockprof::Mutex::named("ledger", 0);

/// How long `holder_path` sleeps while holding the lock.
pub(crate) const HOLD: Duration = Duration::from_millis(25);
pub(crate) const ROUNDS: usize = 3;

/// Takes the lock, says so, waits until the waiter is about to ask for it, then holds it for
/// `HOLD`.
#[inline(never)]
pub(crate) fn holder_path(locked: &AtomicBool, asking: &AtomicBool) {
    let mut ledger = LEDGER.lock();
    locked.store(true, Ordering::Release);
    while !asking.load(Ordering::Acquire) {
        thread::sleep(Duration::from_micros(100));
    }
    thread::sleep(HOLD);
    *ledger += 1;
    drop(black_box(ledger));
}

/// Asks for the lock while `holder_path` holds it; returns how long `lock()` took.
#[inline(never)]
pub(crate) fn waiter_path(asking: &AtomicBool) -> Duration {
    let _span = tracing::info_span!("settle").entered();
    asking.store(true, Ordering::Release);
    let asked = Instant::now();
    let mut ledger = LEDGER.lock();
    let waited = asked.elapsed();
    *ledger += 1;
    drop(black_box(ledger));
    waited
}

/// Runs the rounds; returns the total time the waiter spent in `lock()`.
pub(crate) fn run() -> Duration {
    let mut waited = Duration::ZERO;
    for _ in 0..ROUNDS {
        let locked = Arc::new(AtomicBool::new(false));
        let asking = Arc::new(AtomicBool::new(false));
        let holder = {
            let (locked, asking) = (Arc::clone(&locked), Arc::clone(&asking));
            thread::Builder::new()
                .name("holder".into())
                .spawn(move || holder_path(&locked, &asking))
                .expect("spawn holder")
        };
        while !locked.load(Ordering::Acquire) {
            thread::sleep(Duration::from_micros(100));
        }
        let waiter = thread::Builder::new()
            .name("waiter".into())
            .spawn(move || waiter_path(&asking))
            .expect("spawn waiter");
        waited += waiter.join().expect("waiter");
        holder.join().expect("holder");
    }
    waited
}
