//! A subscriber whose own code takes profiled locks where lockprof asks it for its interest: in
//! `register_callsite` and in `enabled`, as tracing-subscriber's `reload` layer does with its
//! `RwLock` once parking_lot is patched to compat/parking_lot (then that lock is profiled).
//!
//! - lockprof registers its interest probe, the first time it asks, with the subscriber's lock
//!   write-held by another thread: the registering thread's acquisition of that lock waits, and
//!   must not ask again (a thread re-entering the registration blocked on itself);
//! - a thread takes that lock for writing: lockprof's bookkeeping of the acquisition, while the
//!   lock is held, must not ask the subscriber (whose `enabled` would read-lock it: a deadlock).
//!
//! Both are run under a watchdog, in a test binary of their own (the probe registers once per
//! process, and this installs the global subscriber).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// The subscriber's own state, behind a profiled lock.
static FILTER: lockprof::RwLock<u32> = lockprof::RwLock::named("filter", 0);

/// A per-event filter whose every decision reads `FILTER`.
struct LockingFilter;

impl<S: Subscriber> Layer<S> for LockingFilter {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        drop(FILTER.read());
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &Metadata<'_>, _: Context<'_, S>) -> bool {
        *FILTER.read() < u32::MAX
    }
}

/// Nanoseconds of the `wait` events of the lock whose id is in `WATCHED`.
static WAITED_NS: AtomicU64 = AtomicU64::new(0);
static WATCHED: AtomicU64 = AtomicU64::new(u64::MAX);

#[derive(Default)]
struct Wait {
    is_wait: bool,
    lock_id: u64,
    wait_ns: u64,
}

impl Visit for Wait {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == lockprof::event::EVENT {
            self.is_wait = value == lockprof::event::WAIT;
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            lockprof::event::LOCK_ID => self.lock_id = value,
            lockprof::event::WAIT_NS => self.wait_ns = value,
            _ => {}
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

struct Waits;

impl<S: Subscriber> Layer<S> for Waits {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut wait = Wait::default();
        event.record(&mut wait);
        if wait.is_wait && wait.lock_id == WATCHED.load(Relaxed) {
            WAITED_NS.fetch_add(wait.wait_ns, Relaxed);
        }
    }
}

/// Runs `f` on its own thread and fails if it has not finished within a minute.
fn within_a_minute(what: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(handle.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: deadlocked (no end in 60 s)"),
    }
}

#[test]
fn a_subscriber_that_takes_profiled_locks_where_lockprof_asks_it() {
    lockprof::config::set_stack_capture(false);
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(LockingFilter)
            .with(Waits),
    )
    .unwrap();

    within_a_minute("the probe's registration", || {
        let orders = Arc::new(lockprof::Mutex::named("orders", 0u64));
        WATCHED.store(orders.id(), Relaxed);
        let held = Arc::new(Barrier::new(3));
        // Keeps the subscriber's lock write-held while the waiter below registers the probe.
        let writer = {
            let held = Arc::clone(&held);
            thread::spawn(move || {
                let filter = FILTER.write();
                held.wait();
                thread::sleep(Duration::from_millis(50));
                drop(filter);
            })
        };
        let holder = {
            let (orders, held) = (Arc::clone(&orders), Arc::clone(&held));
            thread::spawn(move || {
                let mut orders = orders.lock();
                held.wait();
                thread::sleep(Duration::from_millis(100));
                *orders += 1;
            })
        };
        held.wait();
        // Contended: lockprof asks the subscriber for the first time, which registers the probe
        // and so reads FILTER, held by the writer.
        *orders.lock() += 1;
        writer.join().unwrap();
        holder.join().unwrap();
        lockprof::flush();
    });
    // The wait is timed from the end of the registration (about 50 ms in), so it is about 50 ms
    // of the holder's 100.
    assert!(
        WAITED_NS.load(Relaxed) >= 20_000_000,
        "the wait was recorded: {} ns",
        WAITED_NS.load(Relaxed)
    );

    within_a_minute("a write lock of the subscriber's", || {
        // A thread new to lockprof, so its first acquisition takes the bookkeeping's slow path,
        // with FILTER write-held; the release is measured (a reader waits) while still held.
        let (taken, write_held) = mpsc::channel();
        let writer = thread::spawn(move || {
            let mut filter = FILTER.write();
            taken.send(()).unwrap();
            thread::sleep(Duration::from_millis(20));
            *filter += 1;
        });
        // Read once the writer holds the lock (however late a busy machine runs it), so that
        // the read waits for it.
        write_held.recv().unwrap();
        assert_eq!(*FILTER.read(), 1);
        writer.join().unwrap();
    });
}
