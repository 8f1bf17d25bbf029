//! Scenarios with known ground truth: a thread holds a lock for a known time while another waits;
//! the emitted wait, hold, blame and holder must match it.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Captured, assert_close, events, install};

const HOLD: Duration = Duration::from_millis(20);

/// Events of `kind` about `lock` from the thread named `thread`.
fn events_from(lock: &lockprof::Mutex<u64>, kind: &str, thread: &str) -> Vec<Captured> {
    events(lock.id(), kind)
        .into_iter()
        .filter(|e| e.str("thread") == thread)
        .collect()
}

/// What the test measured itself.
struct Truth {
    /// The waiter's wait, from just before `lock()` to holding the guard.
    waited: Duration,
    /// The holder's hold.
    held: Duration,
    /// The part of the wait during the hold: from the waiter's start to the holder's release.
    /// Blame is this; the rest of the wait (the waiter waking up after the release, milliseconds
    /// when the machine is busy) is no hold's doing and is charged to the next measured release.
    during_hold: Duration,
}

/// Thread "holder" takes the lock, lets "waiter" start waiting, sleeps 20 ms, releases.
fn hold_while_another_waits(lock: &Arc<lockprof::Mutex<u64>>) -> Truth {
    let barrier = Arc::new(Barrier::new(2));
    let holder = {
        let (lock, barrier) = (Arc::clone(lock), Arc::clone(&barrier));
        thread::Builder::new()
            .name("holder".into())
            .spawn(move || {
                let mut guard = lock.lock();
                let start = Instant::now();
                barrier.wait();
                thread::sleep(HOLD);
                *guard += 1;
                let released = Instant::now();
                drop(guard);
                (released - start, released)
            })
            .unwrap()
    };
    let waiter = {
        let (lock, barrier) = (Arc::clone(lock), Arc::clone(&barrier));
        thread::Builder::new()
            .name("waiter".into())
            .spawn(move || {
                barrier.wait();
                // Let the holder get well into its sleep, so this is a real wait.
                thread::sleep(Duration::from_millis(2));
                let start = Instant::now();
                let mut guard = lock.lock();
                let waited = start.elapsed();
                *guard += 1;
                (waited, start)
            })
            .unwrap()
    };
    let (held, released) = holder.join().unwrap();
    let (waited, started) = waiter.join().unwrap();
    Truth {
        waited,
        held,
        during_hold: released - started,
    }
}

#[test]
fn a_20ms_hold_is_reported_as_wait_hold_and_blame() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("ground-truth", 0u64));
    let Truth {
        waited,
        held,
        during_hold,
    } = hold_while_another_waits(&lock);
    assert_eq!(*lock.lock(), 2);

    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "one contended acquisition: {waits:?}");
    let wait = &waits[0];
    assert_close("wait_ns", wait.u64("wait_ns"), waited.as_nanos() as u64);
    assert_eq!(wait.str("thread"), "waiter");
    assert_eq!(wait.str("holder"), "holder");
    assert_eq!(wait.str("lock"), "ground-truth");
    assert_eq!(wait.str("mode"), "exclusive");
    assert_eq!(wait.str("lock_kind"), "mutex");
    assert!(wait.str("site").contains("ground_truth.rs:"), "{wait:?}");
    assert!(!wait.bool("timed_out"));

    let holds = events_from(&lock, "hold", "holder");
    assert_eq!(holds.len(), 1, "{holds:?}");
    let hold = &holds[0];
    // The lock had never been contended, so the hold began untimed (the fast path reads no
    // clock): its length is measured from the waiter's arrival, a lower bound, and says so.
    assert!(!hold.bool("hold_exact"), "{hold:?}");
    let hold_ns = hold.u64("hold_ns");
    assert!(
        hold_ns <= held.as_nanos() as u64 + 1_000_000,
        "{hold_ns} > {held:?}"
    );
    assert_close(
        "hold_ns (from the first wait)",
        hold_ns,
        during_hold.as_nanos() as u64,
    );
    assert_close(
        "blame_ns",
        hold.u64("blame_ns"),
        during_hold.as_nanos() as u64,
    );
    assert_eq!(hold.u64("waiters"), 1);
    assert_eq!(hold.u64("weight"), 1);
}

#[test]
fn a_20ms_hold_on_a_hot_lock_is_timed_exactly() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("hot-ground-truth", 0u64));
    // First round makes the lock hot: every following hold is timed from its acquisition.
    hold_while_another_waits(&lock);
    let truth = hold_while_another_waits(&lock);

    let holds = events_from(&lock, "hold", "holder");
    assert_eq!(holds.len(), 2, "{holds:?}");
    let hold = &holds[1];
    assert!(hold.bool("hold_exact"), "{hold:?}");
    assert_close("hold_ns", hold.u64("hold_ns"), truth.held.as_nanos() as u64);
    let waits = events(lock.id(), "wait");
    assert_close(
        "wait_ns",
        waits[1].u64("wait_ns"),
        truth.waited.as_nanos() as u64,
    );
    assert_close(
        "blame_ns",
        hold.u64("blame_ns"),
        truth.during_hold.as_nanos() as u64,
    );
}

#[test]
fn a_20ms_hold_after_a_storm_is_measured_exactly() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("after-storm", 0u64));
    // A storm of short contended holds: the lock measures only a sample of its releases.
    let increments = common::storm(&lock, 50_000, 0);
    // After a quiet spell, a hold that makes another thread wait 20 ms is measured, with all the
    // waiting it caused.
    thread::sleep(Duration::from_millis(5));
    let truth = hold_while_another_waits(&lock);
    assert_eq!(*lock.lock(), increments + 2);

    let waits = events_from(&lock, "wait", "waiter");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_close(
        "wait_ns",
        waits[0].u64("wait_ns"),
        truth.waited.as_nanos() as u64,
    );
    let holds = events_from(&lock, "hold", "holder");
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_close(
        "blame_ns",
        holds[0].u64("blame_ns"),
        truth.during_hold.as_nanos() as u64,
    );
}
