//! In a storm of short contended holds the lock measures only a sample of its holds, and
//! whatever a hold event says it caused is its own: waiting during other holds never lands in
//! one. (A test binary of its own: it lowers the process-wide event threshold and lifts the
//! event budget, so that a storm's waiting would be in events if the rule did not hold.)

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
    lockprof::config::set_event_threshold(THRESHOLD);
    lockprof::config::set_event_rate_limit(u32::MAX);
    let lock = Arc::new(lockprof::Mutex::named("storm-holds", 0u64));
    let increments = storm(&lock, 100_000, 50);
    assert_eq!(*lock.lock(), increments);
    lockprof::flush();

    // A hold's blame is the waiting during it: three other threads, at most, so at most three
    // times the hold. Charging a measured hold the waiting since the previous measured one
    // (during the many holds in between) breaks this by orders of magnitude.
    let holds = events(lock.id(), "hold");
    let overcharged: Vec<_> = holds
        .iter()
        .filter(|h| h.bool("hold_exact") && h.u64("blame_ns") > 3 * h.u64("hold_ns") + 1_000)
        .collect();
    assert!(
        overcharged.is_empty(),
        "blame beyond the hold: {overcharged:?}"
    );
    // Waiting is conserved: charged exactly to a hold, or passed over as no hold's (hand-offs,
    // the storm's unmeasured holds, which the weighted samples estimate).
    let summaries = events(lock.id(), "summary");
    let waits = events(lock.id(), "wait");
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let accounted = common::exact_blame(&holds, &summaries) + sum(&summaries, "unattributed_ns");
    assert!(wait_total > 0, "four threads on one lock must wait");
    assert!(
        wait_total.abs_diff(accounted) <= wait_total / 20 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ exact blame + unattributed {accounted} ns"
    );
}
