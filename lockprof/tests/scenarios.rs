//! Each lock feature under a scenario with a known answer: RwLock modes, Condvar, timeouts,
//! panics, mapped guards, statics.

mod common;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_between, assert_close, events, install};
use lockprof::{Condvar, MutexGuard, RwLock, RwLockUpgradableReadGuard, RwLockWriteGuard};

const HOLD: Duration = Duration::from_millis(20);

/// What the test itself measured: how long the waiter waited, and how much of that wait
/// overlapped the holder's hold (from the waiter's start to the holder's release). On a loaded
/// machine the two differ by the waiter's wake-up latency, which is waiting but not blame.
struct Truth {
    waited: Duration,
    overlap: Duration,
}

/// Runs `hold` on a thread named "holder" and, once it has the lock, `wait` on a thread named
/// "waiter". `hold` returns when it released the lock; `wait` when it started waiting and for
/// how long.
fn holder_and_waiter<H, W>(hold: H, wait: W) -> Truth
where
    H: FnOnce(&Barrier) -> Instant + Send + 'static,
    W: FnOnce() -> (Instant, Duration) + Send + 'static,
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
            wait()
        })
        .unwrap();
    let (started, waited) = waiter.join().unwrap();
    let released = holder.join().unwrap();
    Truth {
        waited,
        overlap: released.saturating_duration_since(started),
    }
}

/// Runs `f`, returning its value, when it started and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, (Instant, Duration)) {
    let start = Instant::now();
    let value = f();
    (value, (start, start.elapsed()))
}

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

#[test]
fn a_writer_waiting_for_a_reader_blames_the_reader() {
    install();
    let lock = Arc::new(RwLock::named("rw-reader-holds", 0u32));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let guard = l1.read();
            barrier.wait();
            thread::sleep(HOLD);
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let (mut guard, waited) = timed(|| l2.write());
            *guard += 1;
            waited
        },
    );
    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].str("mode"), "exclusive");
    assert_eq!(waits[0].str("lock_kind"), "rwlock");
    assert_eq!(waits[0].str("holder"), "holder");
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(truth.waited));
    let holds = events(lock.id(), "hold");
    let reader = holds
        .iter()
        .find(|h| h.str("thread") == "holder")
        .expect("reader's hold");
    assert_eq!(reader.str("mode"), "shared");
    assert_close("blame_ns", reader.u64("blame_ns"), ns(truth.overlap));
}

#[test]
fn a_reader_waiting_for_a_writer_is_a_shared_wait() {
    install();
    let lock = Arc::new(RwLock::named("rw-writer-holds", 0u32));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let mut guard = l1.write();
            barrier.wait();
            thread::sleep(HOLD);
            *guard = 7;
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let (guard, waited) = timed(|| l2.read());
            assert_eq!(*guard, 7);
            waited
        },
    );
    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].str("mode"), "shared");
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(truth.waited));
    let holds = events(lock.id(), "hold");
    let writer = holds
        .iter()
        .find(|h| h.str("thread") == "holder")
        .expect("writer's hold");
    assert_eq!(writer.str("mode"), "exclusive");
    assert_close("blame_ns", writer.u64("blame_ns"), ns(truth.overlap));
}

#[test]
fn a_recursive_read_passes_a_waiting_writer_and_a_waiting_one_is_a_shared_wait() {
    install();
    let lock = Arc::new(RwLock::named("rw-recursive", 0u32));
    let first = lock.read();
    let writer = {
        let lock = Arc::clone(&lock);
        thread::Builder::new()
            .name("writer".into())
            .spawn(move || *lock.write() = 1)
            .unwrap()
    };
    // The writer waits for this reader: a plain read would now queue behind it.
    while lock.try_read().is_some() {
        thread::yield_now();
    }
    let second = lock
        .try_read_recursive()
        .expect("a recursive read passes the waiting writer");
    let third = lock.read_recursive();
    assert_eq!((*first, *second, *third), (0, 0, 0));
    drop((first, second, third));
    writer.join().unwrap();
    // The writer holds the lock: a recursive read waits for it as any read does.
    let mut guard = lock.write();
    let reader = {
        let lock = Arc::clone(&lock);
        thread::Builder::new()
            .name("reader".into())
            .spawn(move || timed(|| *lock.read_recursive()))
            .unwrap()
    };
    thread::sleep(HOLD);
    *guard = 2;
    drop(guard);
    let (value, (_, waited)) = reader.join().unwrap();
    assert_eq!(value, 2);
    let waits: Vec<_> = events(lock.id(), "wait")
        .into_iter()
        .filter(|w| w.str("thread") == "reader")
        .collect();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].str("mode"), "shared");
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(waited));
    assert!(
        lock.try_read_recursive_for(Duration::from_millis(1))
            .is_some()
    );
    assert!(
        lock.try_read_recursive_until(Instant::now() + Duration::from_millis(1))
            .is_some()
    );
}

#[test]
fn upgrade_waits_for_readers_and_downgrade_keeps_data() {
    install();
    let lock = Arc::new(RwLock::named("rw-upgrade", 1u32));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let guard = l1.read();
            barrier.wait();
            thread::sleep(HOLD);
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let upgradable = l2.upgradable_read();
            let (mut writer, waited) = timed(|| RwLockUpgradableReadGuard::upgrade(upgradable));
            *writer += 1;
            let reader = RwLockWriteGuard::downgrade(writer);
            assert_eq!(*reader, 2);
            waited
        },
    );
    let waits = events(lock.id(), "wait");
    assert_eq!(
        waits.len(),
        1,
        "the upgrade waited for the reader: {waits:?}"
    );
    assert_eq!(waits[0].str("mode"), "exclusive");
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(truth.waited));
    assert_eq!(*lock.read(), 2);
}

#[test]
fn condvar_waiting_for_a_notification_is_not_contention_but_relocking_is() {
    install();
    let pair = Arc::new((
        lockprof::Mutex::named("condvar-mutex", false),
        Condvar::new(),
    ));
    let p1 = Arc::clone(&pair);
    let notifier = thread::Builder::new()
        .name("notifier".into())
        .spawn(move || {
            // The waiter waits ~40 ms for the notification: not contention.
            thread::sleep(Duration::from_millis(40));
            let mut ready = p1.0.lock();
            *ready = true;
            p1.1.notify_one();
            // Keep the mutex 20 ms after notifying: the woken waiter's re-lock waits for it.
            thread::sleep(HOLD);
            drop(ready);
        })
        .unwrap();
    let mut ready = pair.0.lock();
    let start = Instant::now();
    pair.1.wait_while(&mut ready, |ready| !*ready);
    let total = start.elapsed();
    assert!(*ready);
    drop(ready);
    notifier.join().unwrap();

    let lock_id = pair.0.id();
    let waits = events(lock_id, "wait");
    assert_eq!(waits.len(), 1, "only the re-lock is a wait: {waits:?}");
    assert_eq!(waits[0].str("holder"), "notifier");
    // The re-lock wait runs from the waiter's wake-up (a moment after the notification) to the
    // notifier's release: at most HOLD, less the wake-up latency.
    // Scheduling on a loaded machine adds to both ends, so only bounds are sure.
    let relock = waits[0].u64("wait_ns");
    assert!(relock <= ns(HOLD) + 10_000_000, "{relock}");
    assert!(relock >= ns(HOLD) / 2, "{relock}");
    assert!(total >= Duration::from_millis(55), "{total:?}");
    let notifier_holds: Vec<_> = events(lock_id, "hold")
        .into_iter()
        .filter(|h| h.str("thread") == "notifier")
        .collect();
    assert_eq!(notifier_holds.len(), 1, "{notifier_holds:?}");
    let blame = notifier_holds[0].u64("blame_ns");
    assert!(
        blame <= relock && blame >= ns(HOLD) / 2,
        "{blame} vs {relock}"
    );
}

#[test]
fn condvar_timeouts_report_timed_out_and_relock() {
    let lock = lockprof::Mutex::new(0);
    let condvar = Condvar::new();
    let mut guard = lock.lock();
    let (result, (_, elapsed)) = timed(|| condvar.wait_for(&mut guard, Duration::from_millis(15)));
    assert!(result.timed_out());
    assert!(elapsed >= Duration::from_millis(15));
    *guard += 1;
    assert!(lock.is_locked());
    assert!(!condvar.notify_one(), "nobody waits");
    assert_eq!(condvar.notify_all(), 0);
}

#[test]
fn try_lock_for_that_gives_up_is_a_timed_out_wait() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("try-lock-for", ()));
    let l1 = Arc::clone(&lock);
    let l2 = Arc::clone(&lock);
    let timeout = Duration::from_millis(10);
    let truth = holder_and_waiter(
        move |barrier| {
            let guard = l1.lock();
            barrier.wait();
            thread::sleep(Duration::from_millis(50));
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let (got, waited) = timed(|| l2.try_lock_for(timeout).is_some());
            assert!(!got, "the holder keeps the lock for 50 ms");
            waited
        },
    );
    assert!(truth.waited >= timeout);
    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0].bool("timed_out"));
    assert_close("wait_ns", waits[0].u64("wait_ns"), ns(truth.waited));
    assert!(lock.try_lock_for(Duration::from_millis(100)).is_some());
}

#[test]
fn a_panic_while_holding_releases_the_lock_and_still_records_the_hold() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("panic-holder", 0));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    // How long the unwinding took: the guard was released during it, at most this before the
    // holder's `released`.
    let unwinding = Arc::new(std::sync::OnceLock::new());
    let unwound = Arc::clone(&unwinding);
    let truth = holder_and_waiter(
        move |barrier| {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let mut guard = l1.lock();
                barrier.wait();
                thread::sleep(HOLD);
                *guard += 1;
                let began = Instant::now();
                // resume_unwind skips the panic hook, whose backtrace printing would load the
                // machine under the other timing tests; the unwinding is the same. The payload
                // is when it began.
                std::panic::resume_unwind(Box::new(began));
            }));
            // The guard was released while unwinding, before this.
            let released = Instant::now();
            let began = result
                .expect_err("it panicked")
                .downcast::<Instant>()
                .unwrap();
            unwound.set(released - *began).unwrap();
            released
        },
        move || {
            let (mut guard, waited) = timed(|| l2.lock());
            *guard += 10;
            waited
        },
    );
    assert_eq!(*lock.lock(), 11, "parking_lot semantics: no poisoning");
    let holds = events(lock.id(), "hold");
    let panicked = holds
        .iter()
        .find(|h| h.str("thread") == "holder")
        .unwrap_or_else(|| panic!("hold record missing: {:?}", common::events_of(lock.id())));
    // The holder is blamed for the waiting until its guard was dropped, while unwinding.
    let unwound = *unwinding.get().unwrap();
    assert_between(
        "blame_ns",
        panicked.u64("blame_ns"),
        ns(truth.overlap.saturating_sub(unwound)),
        ns(truth.overlap),
    );
}

#[test]
fn guards_map_unlock_and_relock() {
    let lock = lockprof::Mutex::new((1, String::from("a")));
    {
        let mut name = MutexGuard::map(lock.lock(), |pair| &mut pair.1);
        name.push('b');
    }
    let guard = lock.lock();
    let mapped = MutexGuard::try_map(guard, |pair| (pair.0 == 2).then_some(&mut pair.0));
    let mut guard = mapped.expect_err("pair.0 is 1");
    MutexGuard::unlocked(&mut guard, || assert!(!lock.is_locked()));
    assert_eq!(guard.1, "ab");
    MutexGuard::unlock_fair(guard);
    assert!(lock.try_lock().is_some());

    let rw = RwLock::new(vec![1, 2]);
    let first = lockprof::RwLockReadGuard::map(rw.read(), |v| &v[0]);
    assert_eq!(*first, 1);
}

static COUNTER: lockprof::Mutex<u64> = lockprof::Mutex::new(0);
static NAMED: lockprof::Mutex<&str> = lockprof::Mutex::named("static-named", "x");
static TABLE: lockprof::RwLock<[u8; 4]> = lockprof::RwLock::new([0; 4]);

#[test]
fn statics_constructors_and_traits() {
    *COUNTER.lock() += 1;
    assert!(
        COUNTER.name().contains("scenarios.rs:"),
        "{}",
        COUNTER.name()
    );
    assert_eq!(NAMED.name(), "static-named");
    TABLE.write()[1] = 9;
    assert_eq!(TABLE.read()[1], 9);
    assert_ne!(COUNTER.id(), NAMED.id());

    let from: lockprof::Mutex<u8> = 5.into();
    let default: lockprof::RwLock<u8> = Default::default();
    assert_eq!(from.into_inner(), 5);
    assert_eq!(default.into_inner(), 0);
    let mut owned = lockprof::Mutex::new(vec![1]);
    owned.get_mut().push(2);
    // parking_lot's format: the name is `name()`'s only.
    assert_eq!(format!("{owned:?}"), "Mutex { data: [1, 2] }");
    let held = owned.lock();
    assert!(format!("{owned:?}").contains("<locked>"));
    drop(held);
    assert!(!owned.data_ptr().is_null());
}
