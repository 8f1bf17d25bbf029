//! The process-wide budget of individual events: many threads together stay within it, and a
//! thread that waits long only now and then still gets its events while others spend it all.
//! (A test binary of its own: it changes the process-wide rate.)

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{events, install};

/// Events per second for the whole process in this test.
const RATE: u64 = 100;
/// Timed-out waits the noisy threads make at least, together: several times what the budget
/// allows, even on a machine so loaded that the test takes a second.
const STORM: u64 = 2_000;

#[test]
fn noisy_threads_share_the_budget_and_cannot_take_a_quiet_threads_events() {
    install();
    lockprof::config::set_event_rate_limit(RATE as u32);
    let noisy = Arc::new(lockprof::Mutex::named("noisy", ()));
    let held = noisy.lock();
    // Four threads give up on a lock held throughout, over and over, until told to stop and
    // `STORM` is reached: timed-out waits of 20 µs, each long enough to be an event.
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let go = Arc::new(Barrier::new(5));
    let storm: Vec<_> = (0..4)
        .map(|_| {
            let (noisy, go, stop) = (Arc::clone(&noisy), Arc::clone(&go), Arc::clone(&stop));
            let total = Arc::clone(&total);
            thread::spawn(move || {
                go.wait();
                let mut gave_up = 0u64;
                while !stop.load(Relaxed) || total.load(Relaxed) < STORM {
                    assert!(noisy.try_lock_for(Duration::from_micros(20)).is_none());
                    gave_up += 1;
                    total.fetch_add(1, Relaxed);
                }
                lockprof::flush();
                gave_up
            })
        })
        .collect();
    go.wait();
    // Meanwhile, with the budget spent, another thread waits 20 ms for a lock of its own, once.
    thread::sleep(Duration::from_millis(10));
    let quiet = Arc::new(lockprof::Mutex::named("quiet", 0u64));
    let guard = quiet.lock();
    let waiter = {
        let quiet = Arc::clone(&quiet);
        thread::spawn(move || *quiet.lock() += 1)
    };
    thread::sleep(Duration::from_millis(20));
    drop(guard);
    waiter.join().unwrap();
    thread::sleep(Duration::from_millis(10));
    stop.store(true, Relaxed);
    let gave_up: u64 = storm.into_iter().map(|t| t.join().unwrap()).sum();
    let elapsed = started.elapsed().as_secs_f64();
    drop(held);
    lockprof::flush();

    // Every timed-out wait is counted; only the budget's worth are events: the process's burst
    // (a tenth of a second) and rate, plus each noisy thread's reserve (10, and 100 a second).
    // A timed-out wait that a busy machine stretched to a millisecond or more may also take
    // from the reserve of long events, which is not what this test spends.
    let all_waits = events(noisy.id(), "wait");
    let waits = all_waits
        .iter()
        .filter(|w| w.u64("wait_ns") < 1_000_000)
        .count() as f64;
    let summaries = events(noisy.id(), "summary");
    assert_eq!(common::sum(&summaries, "timeouts"), gave_up);
    // Each bucket (GCRA) gives at most its burst plus its rate times the time, plus one: it
    // admits a take whenever what it owes is under the burst.
    let bucket = |per_second: f64| per_second / 10.0 + per_second * elapsed + 1.0;
    let allowed = bucket(RATE as f64) + 4.0 * bucket(100.0);
    assert!(
        waits <= allowed,
        "{waits} events in {elapsed:.3} s, at most {allowed:.0} allowed"
    );
    // Counted with the long ones: on a loaded machine, every wake-up from a 20 µs timeout may
    // come a millisecond late.
    assert!(
        all_waits.len() as u64 >= RATE / 10,
        "{} events: the burst alone is {}",
        all_waits.len(),
        RATE / 10
    );
    assert!(
        waits * 2.0 < gave_up as f64,
        "{gave_up} timeouts: the budget was not spent"
    );
    // The quiet thread's one long wait is an event, however much the others spent.
    let quiet_waits = events(quiet.id(), "wait");
    assert_eq!(quiet_waits.len(), 1, "{quiet_waits:?}");
    assert!(
        quiet_waits[0].u64("wait_ns") >= 15_000_000,
        "{quiet_waits:?}"
    );
}
