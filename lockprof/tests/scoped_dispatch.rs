//! A process whose only subscriber is scoped to some threads (`with_default`), and whose main
//! thread, which has none, takes the lock first: the threads that have one still get every
//! event, and the main thread's hold reaches the subscriber in its summary (a thread without a
//! subscriber makes no events). (A test binary of its own: no global subscriber may be
//! installed in it.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_between, events, sum};

#[test]
fn a_thread_without_a_subscriber_holding_first_silences_no_one() {
    let dispatch = common::capturing_dispatch();
    let lock = Arc::new(lockprof::Mutex::named("scoped", 0u64));
    // The process's first lock operation, on a thread without a subscriber.
    let held = lock.lock();
    let acquired = Instant::now();
    let arrived = Arc::new(AtomicUsize::new(0));
    let asked = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = ["scoped-a", "scoped-b"]
        .into_iter()
        .map(|name| {
            let (lock, dispatch) = (Arc::clone(&lock), dispatch.clone());
            let (arrived, asked) = (Arc::clone(&arrived), Arc::clone(&asked));
            thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        asked.lock().unwrap().push(Instant::now());
                        arrived.fetch_add(1, SeqCst);
                        for _ in 0..10 {
                            let mut guard = lock.lock();
                            *guard += 1;
                            thread::sleep(Duration::from_micros(300));
                        }
                        lockprof::flush();
                    })
                })
                .unwrap()
        })
        .collect();
    while arrived.load(SeqCst) < 2 {
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
    let releasing = Instant::now();
    drop(held);
    let released = Instant::now();
    for worker in workers {
        worker.join().unwrap();
    }
    // The main thread's summary, left by a thread that could emit nothing, goes out with a
    // flush where the subscriber is.
    tracing::dispatcher::with_default(&dispatch, lockprof::flush);

    let holds = events(lock.id(), "hold");
    let summaries = events(lock.id(), "summary");
    let waits = events(lock.id(), "wait");
    assert_eq!(sum(&summaries, "acquisitions"), 21);
    // Both workers waited for the main thread; then each waited for the other's 300 µs holds.
    let main_name = thread::current().name().unwrap().to_owned();
    assert!(
        holds.iter().all(|h| h.str("thread") != main_name),
        "{holds:?}"
    );
    let main_blame: u64 = summaries
        .iter()
        .filter(|s| s.str("thread") == main_name)
        .map(|s| s.u64("blame_ns"))
        .sum();
    let asked = asked.lock().unwrap();
    let first_asked = *asked.iter().min().unwrap();
    let last_asked = *asked.iter().max().unwrap();
    assert_between(
        "the main thread's blame",
        main_blame,
        2 * (releasing - last_asked).as_nanos() as u64,
        2 * (released - first_asked.max(acquired)).as_nanos() as u64,
    );
    assert!(sum(&holds, "blame_ns") > 0, "{holds:?}");
    // All waiting is accounted for: charged to a hold or counted as no hold's.
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let accounted = common::exact_blame(&holds, &summaries) + sum(&summaries, "unattributed_ns");
    assert!(
        wait_total.abs_diff(accounted) <= wait_total / 20 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ exact blame + unattributed {accounted} ns"
    );
}
