//! What is recorded, and when not: the runtime switch, hold sampling, the event contract's field
//! names, and re-entrancy through a subscriber that itself takes a profiled lock.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{events, install, sum};
use lockprof::event;

/// These tests change global settings (recording on/off, the sampling interval): they take
/// turns, so one's setting never leaks into another's measurements.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes one contended acquisition of `lock` (another thread holds it for `hold`).
fn contend(lock: &Arc<lockprof::Mutex<u32>>, hold: Duration) {
    let guard = lock.lock();
    let other = {
        let lock = Arc::clone(lock);
        thread::spawn(move || *lock.lock() += 1)
    };
    thread::sleep(hold);
    drop(guard);
    other.join().unwrap();
}

#[test]
fn every_field_of_the_contract_is_emitted_and_nothing_else() {
    let _serial = serial();
    install();
    let lock = Arc::new(lockprof::Mutex::named("contract", 0));
    contend(&lock, Duration::from_millis(5));
    lockprof::flush();
    let names = |kind: &str| -> BTreeSet<String> {
        events(lock.id(), kind)
            .first()
            .unwrap_or_else(|| panic!("no {kind} event"))
            .0
            .keys()
            .cloned()
            .collect()
    };
    let common = [
        event::EVENT,
        event::LOCK,
        event::LOCK_ID,
        event::LOCK_KIND,
        event::MODE,
        event::THREAD,
        event::THREAD_ID,
        event::SITE,
        event::AT_NS,
        event::WEIGHT,
    ];
    let expect = |extra: &[&str]| -> BTreeSet<String> {
        common.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    assert_eq!(
        names(event::WAIT),
        expect(&[
            event::HOLDER,
            event::HOLDER_ID,
            event::WAIT_NS,
            event::TIMED_OUT,
            event::STACK,
            event::HOLDER_STACK,
        ])
    );
    assert_eq!(
        names(event::HOLD),
        expect(&[
            event::HOLD_NS,
            event::BLAME_NS,
            event::WAITERS,
            event::HOLD_EXACT,
            event::STACK,
        ])
    );
    assert_eq!(
        names(event::SUMMARY),
        expect(&[
            event::ACQUISITIONS,
            event::CONTENDED,
            event::TIMEOUTS,
            event::WAITS,
            event::WAIT_NS,
            event::WAIT_HIST,
            event::HOLDS,
            event::HOLD_NS,
            event::HOLD_HIST,
            event::BLAME_NS,
            event::BLAME_ESTIMATED_NS,
            event::UNATTRIBUTED_NS,
            event::WAIT_STACK,
            event::BLAME_STACK,
        ])
    );
}

#[test]
fn with_every_hold_sampled_the_summary_counts_every_hold() {
    let _serial = serial();
    install();
    // The interval is read when a thread's countdown restarts: set it before the thread's first
    // acquisition (the setting is global; other tests do not depend on it).
    lockprof::config::set_hold_sample_interval(1);
    let lock = Arc::new(lockprof::Mutex::named("sample-every-hold", 0u64));
    let l = Arc::clone(&lock);
    thread::spawn(move || {
        for _ in 0..1_000 {
            *l.lock() += 1;
        }
        lockprof::config::set_hold_sample_interval(lockprof::config::DEFAULT_HOLD_SAMPLE_INTERVAL);
    })
    .join()
    .unwrap();
    // The thread has exited; its summaries wait for the next flush on a live thread.
    lockprof::flush();
    let summaries = events(lock.id(), event::SUMMARY);
    assert_eq!(sum(&summaries, event::ACQUISITIONS), 1_000);
    let holds = sum(&summaries, event::HOLDS) + events(lock.id(), event::HOLD).len() as u64;
    // Every hold is the sample (weight 1), except those before the thread's first countdown,
    // drawn when it registered, ran out: they are counted with the weight of that draw.
    assert!(holds >= 1_000, "{holds}");
    assert!(holds <= 1_000 + 2 * 1_024, "{holds}");
}

/// A thread that has just flushed skips the recorder at its releases until its next flush is due,
/// unless an event is waiting: a long wait noted then must still go out at the release, not a
/// second later.
#[test]
fn a_long_wait_goes_out_at_its_release_on_a_thread_that_has_just_flushed() {
    let _serial = serial();
    install();
    let lock = Arc::new(lockprof::Mutex::named("released-after-flush", 0u32));
    let guard = lock.lock();
    let (ready, go) = std::sync::mpsc::channel();
    let (released, check) = std::sync::mpsc::channel();
    let (checked, finish) = std::sync::mpsc::channel::<()>();
    let waiter = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            // Registered and flushed: quiet for the next second.
            drop(lockprof::Mutex::new(()).lock());
            lockprof::flush();
            ready.send(()).unwrap();
            let asked = Instant::now();
            let mut held = lock.lock();
            let waited = asked.elapsed();
            *held += 1;
            drop(held);
            released.send(waited).unwrap();
            // Stay alive (no exit flush) until the main thread has looked.
            finish.recv().unwrap();
        })
    };
    // Released well after the waiter came to the lock, however late it started.
    go.recv().unwrap();
    thread::sleep(Duration::from_millis(20));
    drop(guard);
    let waited = check.recv().unwrap();
    let waits = events(lock.id(), event::WAIT);
    checked.send(()).unwrap();
    waiter.join().unwrap();
    assert_eq!(waits.len(), 1, "the wait event went out at the release");
    // The wait it measured: a long one (a waiter preempted on its way to `lock()` on a busy
    // machine waits less for lockprof than for the program), and no longer than the program's
    // but for the clocks' rates: lockprof reads the TSC, which quanta calibrates against the OS
    // clock to well under 1 % (one run read 20 147 623 ns against the program's 20 146 135).
    let wait_ns = waits[0].u64(event::WAIT_NS);
    let waited_ns = waited.as_nanos() as u64;
    assert!(
        wait_ns >= 1_000_000 && wait_ns <= waited_ns + waited_ns / 100,
        "{:?}; the waiter measured {waited:?}",
        waits[0]
    );
}

#[test]
fn recording_off_makes_no_events_and_changes_no_behaviour() {
    let _serial = serial();
    install();
    let lock = Arc::new(lockprof::Mutex::named("switched-off", 0));
    // Only this test's thread switches recording off, but the switch is global: run the
    // contention on threads started while it is off and switch back right after.
    lockprof::config::set_enabled(false);
    contend(&lock, Duration::from_millis(3));
    lockprof::config::set_enabled(true);
    assert_eq!(*lock.lock(), 1);
    assert!(events(lock.id(), event::WAIT).is_empty());
    assert!(events(lock.id(), event::HOLD).is_empty());
}

/// A subscriber layer that takes a profiled lock on every lockprof event it sees: lockprof must
/// neither deadlock nor recurse through it.
mod reentrant {
    use tracing::Subscriber;
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::Context;

    pub(crate) static LOG: lockprof::Mutex<Vec<String>> = lockprof::Mutex::named("log", Vec::new());

    pub(crate) struct LockingLayer;

    impl<S: Subscriber> Layer<S> for LockingLayer {
        fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
            if event.metadata().target() == lockprof::event::TARGET {
                // Hold it a while so that other threads recording contend on it too.
                let mut log = LOG.lock();
                log.push(event.metadata().name().to_owned());
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
    }
}

#[test]
fn a_subscriber_that_takes_a_profiled_lock_neither_deadlocks_nor_recurses() {
    let _serial = serial();
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(reentrant::LockingLayer);
    let lock = Arc::new(lockprof::Mutex::named("reentrant-user", 0u64));
    // Scoped to this thread and the ones it starts below.
    let dispatch = tracing::Dispatch::new(subscriber);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (lock, dispatch) = (Arc::clone(&lock), dispatch.clone());
            thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for _ in 0..200 {
                        let mut guard = lock.lock();
                        *guard += 1;
                        thread::sleep(Duration::from_micros(50));
                    }
                    lockprof::flush();
                })
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(*lock.lock(), 800);
    let logged = reentrant::LOG.lock().len();
    assert!(logged > 0, "the layer saw lockprof's events");
}
