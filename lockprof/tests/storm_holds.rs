//! In a storm of short contended holds the lock measures only a sample of its releases and
//! charges each all the waiting since the last: that charge goes to the summaries, not into hold
//! events. (A test binary of its own: it lowers the process-wide event threshold and lifts the
//! event budget, so that storm charges would be events if the rule did not hold.)

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{events, install, storm, sum};

/// Event threshold in this test: far above a hold of a few arithmetic steps, far below what a
/// storm's sampled release is charged.
const THRESHOLD: Duration = Duration::from_micros(2);

#[test]
fn a_storms_short_holds_are_summarised_not_reported_one_by_one() {
    install();
    lockprof::set_event_threshold(THRESHOLD);
    lockprof::set_event_rate_limit(u32::MAX);
    let lock = Arc::new(lockprof::Mutex::named("storm-holds", 0u64));
    storm(&lock, 100_000, 50);
    assert_eq!(*lock.lock(), 400_000);
    lockprof::flush();

    // A storm's charge is mostly waiting during other threads' holds: it must not become an
    // event claiming that one nanoseconds-long hold made others wait. Without the rule this
    // found 370–490 short `hold` events in three runs of five, 37 in one, and in one too few to
    // fail (the scheduler can keep the storm from forming; `recorder`'s unit test checks the
    // rule itself). With it: 0–4 on an idle machine, 3–20 with both cores busy elsewhere, all
    // holds charged a wake-up (a waiter handed the lock but not yet running counts as waiting,
    // and that is charged to its own hold: docs/EVENTS.md, Blame).
    let holds = events(lock.id(), "hold");
    let short: Vec<_> = holds
        .iter()
        .filter(|h| h.u64("hold_ns") < THRESHOLD.as_nanos() as u64)
        .collect();
    assert!(
        short.len() <= 30,
        "{} short holds reported: {short:?}",
        short.len()
    );
    // Nothing is lost: all the waiting is still charged, in events and summaries together.
    let summaries = events(lock.id(), "summary");
    let waits = events(lock.id(), "wait");
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let blame_total = sum(&holds, "blame_ns") + sum(&summaries, "blame_ns");
    assert!(wait_total > 0, "four threads on one lock must wait");
    assert!(
        wait_total.abs_diff(blame_total) <= wait_total / 20 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ blame {blame_total} ns"
    );
}
