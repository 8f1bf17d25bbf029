//! `lockprof::sync`'s locks are recorded as lockprof's own: each acquisition at its caller's
//! `file:line` (through the std-style wrapper, `#[track_caller]` all the way down), each lock
//! under the name of the `file:line` that created it, and a contended wait as long as the
//! program's own clock says it was.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Captured, assert_between, assert_close, events, install, sum};
use lockprof::sync::{Condvar, Mutex, RwLock};

const HOLD: Duration = Duration::from_millis(20);

/// `file:line` of this file at `line`, as events name sites.
fn site(line: u32) -> String {
    format!("{}:{line}", file!())
}

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// Runs `f` on a thread named `name` and waits for it.
fn on_thread<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// The summaries of lock `id` from thread `thread`, as (site, mode, acquisitions), sorted.
fn acquisitions(id: u64, thread: &str) -> Vec<(String, String, u64)> {
    let mut rows: Vec<_> = events(id, "summary")
        .iter()
        .filter(|s| s.str("thread") == thread && s.u64("acquisitions") > 0)
        .map(|s| {
            let site = s.str("site").to_owned();
            (site, s.str("mode").to_owned(), s.u64("acquisitions"))
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_acquisition_is_recorded_at_its_callers_line() {
    install();
    let m = Arc::new(Mutex::named("sync-sites", 0));
    let rw = Arc::new(RwLock::named("sync-rw-sites", 0));
    let (m2, rw2) = (Arc::clone(&m), Arc::clone(&rw));
    let lines = on_thread("sync-sites", move || {
        let lock = line!() + 1;
        *m2.lock().unwrap() += 1;
        let try_lock = line!() + 1;
        *m2.try_lock().unwrap() += 1;
        let read = line!() + 1;
        drop(rw2.read().unwrap());
        let try_read = line!() + 1;
        drop(rw2.try_read().unwrap());
        let write = line!() + 1;
        *rw2.write().unwrap() += 1;
        let try_write = line!() + 1;
        *rw2.try_write().unwrap() += 1;
        [lock, try_lock, read, try_read, write, try_write]
    });
    lockprof::flush();
    let [lock, try_lock, read, try_read, write, try_write] = lines.map(site);
    let row = |site: &String, mode: &str| (site.clone(), mode.to_owned(), 1);
    let mut expected = vec![row(&lock, "exclusive"), row(&try_lock, "exclusive")];
    expected.sort();
    assert_eq!(acquisitions(m.id(), "sync-sites"), expected);
    let mut expected = vec![
        row(&read, "shared"),
        row(&try_read, "shared"),
        row(&write, "exclusive"),
        row(&try_write, "exclusive"),
    ];
    expected.sort();
    assert_eq!(acquisitions(rw.id(), "sync-sites"), expected);
    assert_eq!(*m.lock().unwrap(), 2);
    assert_eq!(*rw.read().unwrap(), 2);
}

#[test]
fn locks_are_named_after_the_line_that_created_them() {
    static STATIC: Mutex<u8> = Mutex::new(0);
    let static_line = line!() - 1;
    assert_eq!(STATIC.name(), site(static_line));
    let line = line!() + 1;
    let (m, rw) = (Mutex::new(0), RwLock::new(0));
    assert_eq!(m.name(), site(line));
    assert_eq!(rw.name(), site(line));
    let line = line!() + 1;
    let (m, rw) = (Mutex::<u8>::default(), RwLock::<u8>::default());
    assert_eq!(m.name(), site(line));
    assert_eq!(rw.name(), site(line));
    let line = line!() + 1;
    let (m, rw) = (Mutex::from(1), RwLock::from(1));
    assert_eq!(m.name(), site(line));
    assert_eq!(rw.name(), site(line));
    assert_eq!(Mutex::named("orders", 0).name(), "orders");
    assert_eq!(RwLock::named("config", 0).name(), "config");
    assert_ne!(m.id(), Mutex::from(1).id());
}

/// What the program measured itself: the waiter's wait, and the part of it during the
/// holder's hold (the blame).
struct Truth {
    waited: Duration,
    overlap: Duration,
    wait_line: u32,
}

/// Thread "holder" runs `hold` (which takes the lock, lets the barrier go, holds it `HOLD` and
/// returns when it released it); thread "waiter" then runs `wait` (which returns the line of its
/// acquisition, when it began and how long it waited).
fn holder_and_waiter(
    hold: impl FnOnce(&Barrier) -> Instant + Send + 'static,
    wait: impl FnOnce() -> (u32, Instant, Duration) + Send + 'static,
) -> Truth {
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
            // Let the holder get into its hold, so this is a real wait.
            thread::sleep(Duration::from_millis(2));
            wait()
        })
        .unwrap();
    let (wait_line, started, waited) = waiter.join().unwrap();
    let released = holder.join().unwrap();
    Truth {
        waited,
        overlap: released.saturating_duration_since(started),
        wait_line,
    }
}

/// The one wait event of lock `id` and the hold event of thread "holder".
fn wait_and_hold(id: u64) -> (Captured, Captured) {
    let waits = events(id, "wait");
    assert_eq!(waits.len(), 1, "one contended acquisition: {waits:?}");
    let holds: Vec<_> = events(id, "hold")
        .into_iter()
        .filter(|h| h.str("thread") == "holder")
        .collect();
    assert_eq!(holds.len(), 1, "{holds:?}");
    (waits[0].clone(), holds[0].clone())
}

#[test]
fn a_contended_mutex_records_the_wait_the_program_measured() {
    install();
    let lock = Arc::new(Mutex::named("sync-ground-truth", 0u64));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let mut guard = l1.lock().unwrap();
            barrier.wait();
            thread::sleep(HOLD);
            *guard += 1;
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let start = Instant::now();
            let line = line!() + 1;
            let mut guard = l2.lock().unwrap();
            let waited = start.elapsed();
            *guard += 1;
            (line, start, waited)
        },
    );
    assert_eq!(*lock.lock().unwrap(), 2);
    let (wait, hold) = wait_and_hold(lock.id());
    assert_close("wait_ns", wait.u64("wait_ns"), ns(truth.waited));
    assert_eq!(wait.str("site"), site(truth.wait_line));
    assert_eq!(wait.str("lock"), "sync-ground-truth");
    assert_eq!(wait.str("lock_kind"), "mutex");
    assert_eq!(wait.str("mode"), "exclusive");
    assert_eq!(wait.str("thread"), "waiter");
    assert_eq!(wait.str("holder"), "holder");
    assert_close("blame_ns", hold.u64("blame_ns"), ns(truth.overlap));
    assert_eq!(hold.u64("waiters"), 1);
}

#[test]
fn a_reader_waiting_for_a_writer_records_a_shared_wait() {
    install();
    let lock = Arc::new(RwLock::named("sync-rw-ground-truth", 0u32));
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let mut guard = l1.write().unwrap();
            barrier.wait();
            thread::sleep(HOLD);
            *guard = 7;
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let start = Instant::now();
            let line = line!() + 1;
            let guard = l2.read().unwrap();
            let waited = start.elapsed();
            assert_eq!(*guard, 7);
            (line, start, waited)
        },
    );
    let (wait, hold) = wait_and_hold(lock.id());
    assert_close("wait_ns", wait.u64("wait_ns"), ns(truth.waited));
    assert_eq!(wait.str("site"), site(truth.wait_line));
    assert_eq!(wait.str("mode"), "shared");
    assert_eq!(wait.str("lock_kind"), "rwlock");
    assert_eq!(hold.str("mode"), "exclusive");
    assert_close("blame_ns", hold.u64("blame_ns"), ns(truth.overlap));
}

#[test]
fn a_poisoned_mutex_is_recorded_as_any_other() {
    install();
    let lock = Arc::new(Mutex::named("sync-poisoned", 0u64));
    let l = Arc::clone(&lock);
    let poisoner = thread::spawn(move || {
        let _guard = l.lock().unwrap();
        panic!("poisons the mutex (expected)");
    });
    assert!(poisoner.join().is_err());
    assert!(lock.is_poisoned());
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let truth = holder_and_waiter(
        move |barrier| {
            let guard = l1.lock().unwrap_err().into_inner();
            barrier.wait();
            thread::sleep(HOLD);
            let released = Instant::now();
            drop(guard);
            released
        },
        move || {
            let start = Instant::now();
            let line = line!() + 1;
            let result = l2.lock();
            let waited = start.elapsed();
            assert!(result.is_err());
            (line, start, waited)
        },
    );
    let (wait, hold) = wait_and_hold(lock.id());
    assert_close("wait_ns", wait.u64("wait_ns"), ns(truth.waited));
    assert_eq!(wait.str("site"), site(truth.wait_line));
    assert_close("blame_ns", hold.u64("blame_ns"), ns(truth.overlap));
}

#[test]
fn a_condvar_relock_is_a_wait_at_the_line_that_took_the_guard() {
    install();
    // (ready, the waiter is in its wait): the second is set under the mutex, which the wait
    // releases only once the thread is queued, so a notifier that sees it notifies the waiter.
    let pair = Arc::new((Mutex::named("sync-condvar", (false, false)), Condvar::new()));
    let p1 = Arc::clone(&pair);
    let notifier = thread::Builder::new()
        .name("notifier".into())
        .spawn(move || {
            // The waiter waits ~40 ms for the notification: not contention.
            thread::sleep(Duration::from_millis(40));
            // Tried, not waited for: the waiter's re-lock is to be the mutex's only wait.
            let mut ready = loop {
                match p1.0.try_lock() {
                    Ok(ready) if ready.1 => break ready,
                    _ => thread::sleep(Duration::from_millis(1)),
                }
            };
            ready.0 = true;
            let notifying = Instant::now();
            p1.1.notify_one();
            let notified = Instant::now();
            // Hold the mutex after notifying: the woken waiter's re-lock waits for it.
            thread::sleep(HOLD);
            let releasing = Instant::now();
            drop(ready);
            (notifying, notified, releasing, Instant::now())
        })
        .unwrap();
    let (lock, cvar) = &*pair;
    let line = line!() + 1;
    let mut guard = lock.lock().unwrap();
    guard.1 = true;
    let ready = cvar.wait_while(guard, |ready| !ready.0).unwrap();
    let returned = Instant::now();
    assert!(ready.0);
    drop(ready);
    let (notifying, notified, releasing, released) = notifier.join().unwrap();
    assert!(returned > releasing);

    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "only the re-lock is a wait: {waits:?}");
    assert_eq!(waits[0].str("site"), site(line));
    assert_eq!(waits[0].str("holder"), "notifier");
    // From the notification (the move onto the mutex's queue) until the waiter has the mutex,
    // after the notifier's release.
    let relock = waits[0].u64("wait_ns");
    assert_between(
        "wait_ns",
        relock,
        ns(releasing - notified),
        ns(returned - notifying),
    );
    let blame = sum(
        &events(lock.id(), "hold")
            .into_iter()
            .filter(|h| h.str("thread") == "notifier")
            .collect::<Vec<_>>(),
        "blame_ns",
    );
    assert!(blame <= relock, "{blame} vs {relock}");
    assert_between(
        "blame_ns",
        blame,
        ns(releasing - notified),
        ns(released - notifying),
    );
}
