//! A `Condvar`'s notified threads wait for the mutex asleep in its queue (a notify moves them
//! there rather than wake them to block at once): that wait is still measured and blamed on the
//! mutex's holders. Against the program's own clock, and with waiting conserved under a
//! producer/consumer load, with recording switched on and off meanwhile.

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Captured, assert_close, events, install, sum};
use lockprof::{Condvar, Mutex, MutexGuard};

/// One test at a time: they time to the millisecond, and one switches recording off and on.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn spin_for(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

fn unlock<T>(guard: MutexGuard<'_, T>, fair: bool) {
    if fair {
        MutexGuard::unlock_fair(guard);
    } else {
        drop(guard);
    }
}

fn nanos(from: Instant, to: Instant) -> u64 {
    to.saturating_duration_since(from).as_nanos() as u64
}

/// What the consumers share with the producer.
#[derive(Default)]
struct Gate {
    waiting: usize,
    open: bool,
}

/// A consumer's own clock: when its `wait` returned, and when it let the mutex go.
struct Consumed {
    name: String,
    returned: Instant,
    released: Instant,
}

#[test]
fn moved_waiters_waits_and_their_holders_blame_match_the_programs_clock() {
    moved_waiters_against_the_programs_clock("condvar-truth", false);
}

/// As above, the producer and consumers unlocking fairly: each consumer wakes owning the mutex.
#[test]
fn a_moved_waiter_handed_the_mutex_is_recorded_like_the_others() {
    moved_waiters_against_the_programs_clock("condvar-truth-fair", true);
}

/// Three consumers wait on the condvar; the producer opens the gate, `notify_all`s while holding
/// the mutex, and keeps holding it for `HOLD`: the consumers are moved onto the mutex's queue and
/// get it one after the other, each holding it `CONSUMER_HOLD`. Each consumer's wait for the
/// mutex runs from the notify to its `wait` returning, and the producer's blame is the three
/// waits' overlap with its hold, as the program measures them itself. With `fair`, every unlock
/// hands the mutex to the next consumer.
fn moved_waiters_against_the_programs_clock(name: &'static str, fair: bool) {
    const HOLD: Duration = Duration::from_millis(10);
    const CONSUMER_HOLD: Duration = Duration::from_millis(2);
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    install();
    let pair = Arc::new((Mutex::named(name, Gate::default()), Condvar::new()));
    let consumers: Vec<_> = (0..3)
        .map(|i| {
            let pair = Arc::clone(&pair);
            thread::Builder::new()
                .name(format!("consumer-{i}"))
                .spawn(move || {
                    let (lock, condvar) = &*pair;
                    let mut gate = lock.lock();
                    gate.waiting += 1;
                    while !gate.open {
                        condvar.wait(&mut gate);
                    }
                    let returned = Instant::now();
                    spin_for(CONSUMER_HOLD);
                    let released = Instant::now();
                    unlock(gate, fair);
                    Consumed {
                        name: format!("consumer-{i}"),
                        returned,
                        released,
                    }
                })
                .unwrap()
        })
        .collect();
    let producer = {
        let pair = Arc::clone(&pair);
        thread::Builder::new()
            .name("producer".into())
            .spawn(move || {
                let (lock, condvar) = &*pair;
                let mut gate = lock.lock();
                // Every consumer is asleep on the condvar once all have counted themselves in
                // and let the mutex go.
                while gate.waiting < 3 {
                    drop(gate);
                    thread::sleep(Duration::from_millis(1));
                    gate = lock.lock();
                }
                gate.open = true;
                let notifying = Instant::now();
                assert_eq!(condvar.notify_all(), 3);
                let notified = Instant::now();
                spin_for(HOLD);
                let releasing = Instant::now();
                unlock(gate, fair);
                (notifying, notified, releasing, Instant::now())
            })
            .unwrap()
    };
    let (notifying, notified, releasing, released) = producer.join().unwrap();
    let consumed: Vec<Consumed> = consumers.into_iter().map(|c| c.join().unwrap()).collect();

    let lock_id = pair.0.id();
    let waits = events(lock_id, "wait");
    let holds = events(lock_id, "hold");
    let of = |events: &[Captured], thread: &str| -> Vec<Captured> {
        events
            .iter()
            .filter(|e| e.str("thread") == thread)
            .cloned()
            .collect()
    };
    // Each consumer waited for the mutex from the notify until its `wait` returned: longer than
    // the producer's hold, so a wait event each, the last to begin. (On a busy machine, the
    // start-up's `lock()`s may wait long enough to be events too; they begin before the notify,
    // and are left out below by lockprof's own clock.)
    let mut moved_at = u64::MAX;
    for c in &consumed {
        let relock = of(&waits, &c.name)
            .into_iter()
            .max_by_key(|w| w.u64("at_ns"))
            .unwrap_or_else(|| panic!("{}: no wait in {waits:?}", c.name));
        moved_at = moved_at.min(relock.u64("at_ns"));
        assert_close(
            &format!("{}'s wait", c.name),
            relock.u64("wait_ns"),
            nanos(notifying, c.returned),
        );
    }
    // The producer's last hold made the three wait from the notify to its release.
    let blame = of(&holds, "producer")
        .iter()
        .max_by_key(|h| h.u64("at_ns"))
        .unwrap_or_else(|| panic!("no hold of the producer in {holds:?}"))
        .u64("blame_ns");
    let (least, most) = (
        3 * nanos(notified, releasing),
        3 * nanos(notifying, released),
    );
    assert!(
        blame + least / 10 >= least && blame <= most + most / 10,
        "producer's blame {blame} ns, truth between {least} and {most} ns"
    );
    // Each consumer's hold after the notify made the consumers still queued wait: its blame is
    // their overlap.
    for c in &consumed {
        let truth: u64 = consumed
            .iter()
            .filter(|other| other.returned > c.returned)
            .map(|other| nanos(c.returned, c.released.min(other.returned)))
            .sum();
        let blame: u64 = of(&holds, &c.name)
            .iter()
            .filter(|h| h.u64("at_ns") >= moved_at)
            .map(|h| h.u64("blame_ns"))
            .sum();
        assert_close(&format!("{}'s blame", c.name), blame, truth);
    }
}

/// The queue of a producer/consumer run.
struct Queue {
    items: VecDeque<u64>,
    open: bool,
}

impl Queue {
    /// An empty, open queue behind a mutex named `name`.
    fn named(name: &'static str) -> Arc<Mutex<Queue>> {
        Arc::new(Mutex::named(
            name,
            Queue {
                items: VecDeque::new(),
                open: true,
            },
        ))
    }
}

/// One producer and four consumers on a queue of one item, `notify_all` when the queue leaves
/// the state the other side waits on, the consumers waiting with a short timeout: returns how
/// many times each side locked and waited, as the program counts them.
fn producer_consumer(lock: &Arc<Mutex<Queue>>, condvars: &Arc<(Condvar, Condvar)>) -> u64 {
    const ITEMS: u64 = 20_000;
    let start = Arc::new(Barrier::new(5));
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let (lock, condvars, start) =
                (Arc::clone(lock), Arc::clone(condvars), Arc::clone(&start));
            thread::spawn(move || {
                let (not_empty, not_full) = &*condvars;
                let mut acquisitions = 0;
                start.wait();
                loop {
                    let mut queue = lock.lock();
                    acquisitions += 1;
                    while queue.items.is_empty() && queue.open {
                        not_empty.wait_for(&mut queue, Duration::from_micros(300));
                        acquisitions += 1;
                    }
                    let Some(item) = queue.items.pop_front() else {
                        lockprof::flush();
                        return acquisitions;
                    };
                    drop(queue);
                    not_full.notify_all();
                    std::hint::black_box(item);
                }
            })
        })
        .collect();
    let (not_empty, not_full) = &**condvars;
    let mut acquisitions = 0;
    start.wait();
    for item in 0..ITEMS {
        let mut queue = lock.lock();
        acquisitions += 1;
        while !queue.items.is_empty() {
            not_full.wait(&mut queue);
            acquisitions += 1;
        }
        queue.items.push_back(item);
        drop(queue);
        not_empty.notify_all();
    }
    lock.lock().open = false;
    not_empty.notify_all();
    acquisitions += 1;
    acquisitions
        + consumers
            .into_iter()
            .map(|c| c.join().unwrap())
            .sum::<u64>()
}

/// Every acquisition, re-locks included, is counted once, and all waiting for the mutex, moved
/// onto its queue or not, is charged to a hold or counted as no hold's.
#[test]
fn a_producer_consumer_queue_conserves_counts_and_waiting() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    install();
    let lock = Queue::named("condvar-queue");
    let acquisitions = producer_consumer(&lock, &Arc::new((Condvar::new(), Condvar::new())));
    // A storm's unmeasured releases leave the waiting of threads parked in the mutex's queue
    // uncharged until its next measured release (docs/EVENTS.md#blame): one hold that a thread
    // waits long for is measured, and takes it. On a loaded machine the waiter may not get to
    // run, and wait, before the hold ends: then the storm goes on and the release is not
    // measured, so the hold is repeated until the waiter's own clock says it waited.
    let mut acquisitions = acquisitions;
    for _ in 0..20 {
        let held = lock.lock();
        let waiter = thread::spawn({
            let lock = Arc::clone(&lock);
            move || {
                let asked = Instant::now();
                drop(lock.lock());
                asked.elapsed()
            }
        });
        thread::sleep(Duration::from_millis(5));
        drop(held);
        acquisitions += 2;
        if waiter.join().unwrap() >= Duration::from_millis(1) {
            break;
        }
    }
    lockprof::flush();
    let summaries = events(lock.id(), "summary");
    let waits = events(lock.id(), "wait");
    let holds = events(lock.id(), "hold");
    assert_eq!(sum(&summaries, "acquisitions"), acquisitions);
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let accounted = common::exact_blame(&holds, &summaries) + sum(&summaries, "unattributed_ns");
    assert!(wait_total > 0, "five threads on one slot must wait");
    assert!(
        wait_total.abs_diff(accounted) <= wait_total / 20 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ exact blame + unattributed {accounted} ns"
    );
}

/// Recording switched off and on while threads sleep on the condvars and are moved onto the
/// mutex: afterwards the mutex counts no waiter that is not there (a hold with nobody waiting
/// is blamed for nothing), and the queue ran as it should.
#[test]
fn switching_recording_while_threads_are_moved_leaves_no_phantom_waiter() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    install();
    let lock = Queue::named("condvar-switching");
    let done = Arc::new(AtomicBool::new(false));
    let switcher = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut on = true;
            while !done.load(Relaxed) {
                on = !on;
                lockprof::config::set_enabled(on);
                thread::sleep(Duration::from_micros(200));
            }
            lockprof::config::set_enabled(true);
        })
    };
    producer_consumer(&lock, &Arc::new((Condvar::new(), Condvar::new())));
    done.store(true, Relaxed);
    switcher.join().unwrap();

    let holder = thread::Builder::new()
        .name("alone".into())
        .spawn({
            let lock = Arc::clone(&lock);
            move || {
                let guard = lock.lock();
                thread::sleep(Duration::from_millis(20));
                drop(guard);
            }
        })
        .unwrap();
    holder.join().unwrap();
    lockprof::flush();
    let blamed: u64 = events(lock.id(), "hold")
        .iter()
        .chain(&events(lock.id(), "summary"))
        .filter(|e| e.str("thread") == "alone")
        .map(|e| e.u64("blame_ns"))
        .sum();
    assert_eq!(blamed, 0, "a hold nobody waited for was blamed");
}
