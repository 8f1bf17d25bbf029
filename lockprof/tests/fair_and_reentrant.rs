//! `FairMutex` and `ReentrantMutex` are recorded as `Mutex` is: waits, holds, blame and acquire
//! sites against what the test measures itself; a reentrant mutex's nested acquisitions are
//! neither waits nor holds, and its hold runs from the outermost acquisition to the last
//! release. Also the raw-lock constructors' names.

mod common;

use std::cell::Cell;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_close, events, install, sum};
use lockprof::lock_api::{RawMutex as _, RawRwLock as _};

const HOLD: Duration = Duration::from_millis(20);

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// What the test measured: the waiter's wait, the part of it the holder held the lock, and
/// the waiter's acquire site.
struct Truth {
    waited: Duration,
    overlap: Duration,
    site: String,
}

/// Thread "holder" runs `hold` (which takes the lock, lets the barrier go, holds it for `HOLD`
/// and returns when it released it); thread "waiter" then runs `wait`, which returns when it
/// started waiting, how long it waited and its acquire site.
fn holder_and_waiter<H, W>(hold: H, wait: W) -> Truth
where
    H: FnOnce(&Barrier) -> Instant + Send + 'static,
    W: FnOnce() -> (Instant, Duration, String) + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let b = Arc::clone(&barrier);
    let holder = thread::Builder::new()
        .name("holder".into())
        .spawn(move || hold(&b))
        .unwrap();
    let waiter = thread::Builder::new()
        .name("waiter".into())
        .spawn(move || {
            barrier.wait();
            // Let the holder get well into its hold, so that this is a real wait.
            thread::sleep(Duration::from_millis(2));
            wait()
        })
        .unwrap();
    let (started, waited, site) = waiter.join().unwrap();
    let released = holder.join().unwrap();
    Truth {
        waited,
        overlap: released.saturating_duration_since(started),
        site,
    }
}

/// The wait and the holder's hold of `lock_id` are what the test measured.
fn assert_recorded_like_a_mutex(lock_id: u64, truth: &Truth) {
    let waits = events(lock_id, "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    let wait = &waits[0];
    assert_eq!(wait.str("lock_kind"), "mutex");
    assert_eq!(wait.str("mode"), "exclusive");
    assert_eq!(wait.str("holder"), "holder");
    assert_eq!(wait.str("site"), truth.site);
    assert_close("wait_ns", wait.u64("wait_ns"), ns(truth.waited));
    let holds: Vec<_> = events(lock_id, "hold")
        .into_iter()
        .filter(|h| h.str("thread") == "holder")
        .collect();
    assert_eq!(
        holds.len(),
        1,
        "one hold, however often it was re-entered: {holds:?}"
    );
    assert_close("blame_ns", holds[0].u64("blame_ns"), ns(truth.overlap));
}

#[test]
fn a_fair_mutex_is_recorded_as_a_mutex() {
    install();
    let lock = Arc::new(lockprof::FairMutex::named("fair", 0u64));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let mut guard = l1.lock();
            barrier.wait();
            thread::sleep(HOLD);
            *guard += 1;
            let released = Instant::now();
            drop(guard); // a fair unlock: the waiter is handed the lock
            released
        },
        move || {
            let start = Instant::now();
            let (mut guard, site) = (l2.lock(), format!("{}:{}", file!(), line!()));
            let waited = start.elapsed();
            *guard += 1;
            (start, waited, site)
        },
    );
    assert_eq!(*lock.lock(), 2);
    assert_recorded_like_a_mutex(lock.id(), &truth);
}

#[test]
fn a_reentrant_mutex_records_its_outermost_hold_and_no_wait_for_reentry() {
    install();
    let lock = Arc::new(lockprof::ReentrantMutex::named(
        "reentrant",
        Cell::new(0u64),
    ));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let outer = l1.lock();
            let nested: Vec<_> = (0..3).map(|_| l1.lock()).collect();
            assert!(l1.is_owned_by_current_thread());
            barrier.wait();
            thread::sleep(HOLD / 2);
            // Released and taken again by the owner: still the same hold.
            drop(nested);
            let again = l1.try_lock().expect("the owner takes it at once");
            thread::sleep(HOLD / 2);
            outer.set(outer.get() + 1);
            drop(again);
            let released = Instant::now();
            drop(outer);
            released
        },
        move || {
            let start = Instant::now();
            let (guard, site) = (l2.lock(), format!("{}:{}", file!(), line!()));
            let waited = start.elapsed();
            let nested = l2.lock();
            nested.set(nested.get() + 1);
            drop((nested, guard));
            (start, waited, site)
        },
    );
    assert_eq!(lock.lock().get(), 2);
    assert!(!lock.is_locked());
    assert_recorded_like_a_mutex(lock.id(), &truth);
    // The outermost acquisitions only: the holder's, the waiter's and the check's.
    lockprof::flush();
    let summaries = events(lock.id(), "summary");
    assert_eq!(sum(&summaries, "acquisitions"), 3, "{summaries:?}");
    assert_eq!(sum(&summaries, "contended"), 1, "{summaries:?}");
}

#[test]
fn a_reentrant_guard_unlocked_and_bumped_holds_the_lock_again() {
    install();
    let lock = Arc::new(lockprof::ReentrantMutex::named("reentrant-unlocked", 5u32));
    let mut guard = lock.lock();
    let other = Arc::clone(&lock);
    lockprof::ReentrantMutexGuard::unlocked(&mut guard, || {
        // Released: another thread can take it.
        thread::spawn(move || assert_eq!(*other.lock(), 5))
            .join()
            .unwrap();
    });
    assert!(lock.is_owned_by_current_thread());
    lockprof::ReentrantMutexGuard::bump(&mut guard);
    assert!(lock.is_owned_by_current_thread());
    let mapped = lockprof::ReentrantMutexGuard::map(guard, |n| n);
    assert_eq!(*mapped, 5);
    lockprof::MappedReentrantMutexGuard::unlock_fair(mapped);
    assert!(!lock.is_locked());
    // SAFETY: the guard is forgotten, and its acquisition released by `force_unlock` below.
    std::mem::forget(lock.lock());
    assert!(lock.is_owned_by_current_thread());
    unsafe { lock.force_unlock() };
    assert!(!lock.is_locked());
}

#[test]
fn raw_constructors_keep_the_lock_and_name_unnamed_ones_after_their_site() {
    let lock = lockprof::Mutex::named("kept", 1);
    let id = lock.id();
    let (raw, value) = lock.into_inner_with_raw();
    let again = lockprof::Mutex::from_raw(raw, value + 1);
    assert_eq!(
        (again.name(), again.id(), *again.lock()),
        ("kept".into(), id, 2)
    );

    let here = |line: u32| format!("{}:{line}", file!());
    let fresh = lockprof::FairMutex::from_raw(lockprof::RawFairMutex::INIT, ());
    assert_eq!(fresh.name(), here(line!() - 1));
    let rw = lockprof::RwLock::from_raw(lockprof::RawRwLock::INIT, ());
    assert_eq!(rw.name(), here(line!() - 1));
    let thread_id = lockprof::RawThreadId;
    let reentrant = lockprof::ReentrantMutex::from_raw(lockprof::RawMutex::INIT, thread_id, ());
    let line = line!() - 1;
    assert_eq!(reentrant.name(), here(line));
    let (raw, thread_id, ()) = reentrant.into_inner_with_raw();
    let back = lockprof::ReentrantMutex::from_raw(raw, thread_id, 3);
    assert_eq!(back.name(), here(line));
    // A lock made by lock_api itself knows no site; made into a lockprof lock, it takes that
    // call's.
    let plain = lockprof::lock_api::Mutex::<lockprof::RawMutex, u8>::new(0);
    let (raw, _) = plain.into_inner_with_raw();
    assert!(lockprof::Mutex::from_raw(raw, 0).name().contains(file!()));
}
