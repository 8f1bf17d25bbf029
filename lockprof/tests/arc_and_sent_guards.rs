//! The `Arc` guards (feature `arc_lock`) record their waits, holds and sites as the borrowed
//! guards do, and their methods keep the lock held; guards sent to another thread and released
//! there (feature `send_guard`) leave the data exact and the waiting conserved.
#![cfg(any(feature = "arc_lock", feature = "send_guard"))]

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_close, events, install, sum};

const HOLD: Duration = Duration::from_millis(20);

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// Thread "holder" runs `hold` (take the lock, pass the barrier, hold, return the release
/// time); thread "waiter" then runs `wait` (return when it started waiting and its site).
/// Returns the waiter's start and wait, its site, and the holder's release.
fn holder_and_waiter<H, W>(hold: H, wait: W) -> (Duration, Duration, String)
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
            thread::sleep(Duration::from_millis(2));
            wait()
        })
        .unwrap();
    let (started, waited, site) = waiter.join().unwrap();
    let released = holder.join().unwrap();
    (waited, released.saturating_duration_since(started), site)
}

/// One wait at `site` in `mode`, as long as measured, and the holder's hold blamed for it. The
/// wait names its holder unless it is an upgrade: the waiter was then the last to take the lock.
fn assert_wait_and_blame(lock_id: u64, mode: &str, truth: &(Duration, Duration, String)) {
    let waits = events(lock_id, "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].str("mode"), mode);
    assert_eq!(waits[0].str("site"), truth.2);
    let holder = waits[0].str("holder");
    assert!(holder == "holder" || holder.is_empty(), "{waits:?}");
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(truth.0));
    let holds = events(lock_id, "hold");
    let held = holds
        .iter()
        .find(|h| h.str("thread") == "holder")
        .unwrap_or_else(|| panic!("holder's hold: {holds:?}"));
    assert_close("blame_ns", held.u64("blame_ns"), ns(truth.1));
}

#[cfg(feature = "arc_lock")]
#[test]
fn a_mutex_locked_through_an_arc_is_recorded_at_the_call_site() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("arc-mutex", 0u64));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let mut guard = l1.lock_arc();
            barrier.wait();
            thread::sleep(HOLD);
            *guard += 1;
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let start = Instant::now();
            let (mut guard, site) = (l2.lock_arc(), format!("{}:{}", file!(), line!()));
            let waited = start.elapsed();
            *guard += 1;
            (start, waited, site)
        },
    );
    assert_eq!(*lock.lock(), 2);
    assert_wait_and_blame(lock.id(), "exclusive", &truth);
}

#[cfg(feature = "arc_lock")]
#[test]
fn an_arc_upgrade_waiting_for_a_reader_is_an_exclusive_wait_at_its_site() {
    install();
    let lock = Arc::new(lockprof::RwLock::named("arc-upgrade", 0u64));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let guard = l1.read_arc();
            barrier.wait();
            thread::sleep(HOLD);
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let upgradable = l2.upgradable_read_arc();
            let start = Instant::now();
            let (write, site) = (
                lockprof::ArcRwLockUpgradableReadGuard::upgrade(upgradable),
                format!("{}:{}", file!(), line!() - 1),
            );
            let waited = start.elapsed();
            let mut upgradable = lockprof::ArcRwLockWriteGuard::downgrade_to_upgradable(write);
            upgradable.with_upgraded(|n| *n += 1);
            assert_eq!(upgradable.try_with_upgraded(|n| *n), Some(1));
            drop(lockprof::ArcRwLockUpgradableReadGuard::downgrade(
                upgradable,
            ));
            (start, waited, site)
        },
    );
    assert_eq!(*lock.read(), 1);
    assert_wait_and_blame(lock.id(), "exclusive", &truth);
}

#[cfg(feature = "arc_lock")]
#[test]
fn arc_guards_give_the_lock_up_and_take_it_back() {
    use lockprof::{ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockWriteGuard};

    let mutex = Arc::new(lockprof::Mutex::named("arc-unlocked", 1));
    let mut guard = mutex.lock_arc();
    let other = Arc::clone(&mutex);
    ArcMutexGuard::unlocked(&mut guard, || {
        thread::spawn(move || *other.lock() += 1).join().unwrap()
    });
    assert_eq!(*guard, 2);
    ArcMutexGuard::bump(&mut guard);
    assert!(Arc::ptr_eq(ArcMutexGuard::mutex(&guard), &mutex));
    assert!(mutex.try_lock_arc().is_none());
    let back = ArcMutexGuard::into_arc_fair(guard);
    assert!(!back.is_locked());

    let fair = Arc::new(lockprof::FairMutex::named("arc-fair", ()));
    let guard = fair.try_lock_arc_for(Duration::from_secs(1)).unwrap();
    assert!(fair.is_locked());
    ArcMutexGuard::unlock_fair(guard);
    assert!(!fair.is_locked());

    let rw = Arc::new(lockprof::RwLock::named("arc-rw", 5));
    let mut write = rw.write_arc();
    ArcRwLockWriteGuard::unlocked_fair(&mut write, || assert_eq!(*rw.read(), 5));
    *write = 6;
    let read = ArcRwLockWriteGuard::downgrade(write);
    assert_eq!((*read, *rw.try_read_arc().unwrap()), (6, 6));
    assert!(rw.try_write_arc_for(Duration::from_millis(1)).is_none());
    let recursive = [
        rw.read_arc_recursive(),
        rw.try_read_arc_recursive().unwrap(),
        rw.try_read_arc_recursive_for(Duration::from_millis(1))
            .unwrap(),
        rw.try_read_arc_recursive_until(Instant::now() + Duration::from_millis(1))
            .unwrap(),
    ];
    assert!(recursive.iter().all(|guard| **guard == 6));
    drop((read, recursive));
    assert!(!rw.is_locked());

    let reentrant = Arc::new(lockprof::ReentrantMutex::named("arc-reentrant", 7));
    let outer = reentrant.lock_arc();
    let inner = reentrant
        .try_lock_arc()
        .expect("the owner takes it at once");
    assert_eq!(*ArcReentrantMutexGuard::into_arc(inner).lock(), 7);
    assert!(reentrant.is_owned_by_current_thread());
    drop(outer);
    assert!(!reentrant.is_locked());
}

/// A thread takes the lock after a wait (so its hold is timed from its start, noted on that
/// thread), then hands the guard to another thread, which holds it while a third one waits, and
/// releases it. The lock keeps working, every acquisition and wait is recorded once, and the
/// waiting is still conserved: the first thread's note is no later hold's start.
#[cfg(feature = "send_guard")]
#[test]
fn a_guard_released_on_another_thread_keeps_the_waiting_conserved() {
    install();
    let (send, receive) = std::sync::mpsc::channel::<lockprof::MutexGuard<'static, u64>>();
    // `'static`, for a guard that crosses threads through a channel.
    let shared: &'static lockprof::Mutex<u64> =
        Box::leak(Box::new(lockprof::Mutex::named("sent-guard", 0)));
    let main_guard = shared.lock();
    let taker = thread::Builder::new()
        .name("taker".into())
        .spawn(move || {
            let guard = shared.lock(); // waits for the main thread
            send.send(guard).unwrap();
            thread::sleep(HOLD / 4);
            for _ in 0..3 {
                *shared.lock() += 1; // may wait for the releaser and the third thread
            }
        })
        .unwrap();
    thread::sleep(Duration::from_millis(5));
    drop(main_guard);
    let releaser = thread::Builder::new()
        .name("releaser".into())
        .spawn(move || {
            let mut guard = receive.recv().unwrap();
            let third = thread::spawn(move || *shared.lock() += 1);
            thread::sleep(HOLD);
            *guard += 1;
            drop(guard); // released here, not on the thread that took it
            third.join().unwrap();
        })
        .unwrap();
    releaser.join().unwrap();
    taker.join().unwrap();
    assert_eq!(*shared.lock(), 5);
    lockprof::flush();

    let (waits, holds, summaries) = (
        events(shared.id(), "wait"),
        events(shared.id(), "hold"),
        events(shared.id(), "summary"),
    );
    assert_eq!(sum(&summaries, "acquisitions"), 7, "{summaries:?}");
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let accounted = common::exact_blame(&holds, &summaries) + sum(&summaries, "unattributed_ns");
    assert!(
        wait_total >= ns(HOLD) / 2,
        "the third thread waited: {waits:?}"
    );
    assert!(
        wait_total.abs_diff(accounted) <= wait_total / 10 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ exact blame + unattributed {accounted} ns: {waits:?} {holds:?} {summaries:?}"
    );
}
