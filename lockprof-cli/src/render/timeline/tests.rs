//! The layout rules on hand-made timelines: tracks that nest, flow anchors off nested events,
//! and which holds caused which waits.

use super::tracks::Tracks;
use crate::{TimedEvent, TimedKind, Timeline};

const WAIT: TimedKind = TimedKind::Wait {
    holder: None,
    timed_out: false,
};
const HOLD: TimedKind = TimedKind::Hold {
    blame_ns: 1,
    waiters: 1,
    exact: true,
    weight: 1,
};

/// An event of lock `lock` on thread `thread`, `[at, at + dur)`.
fn event(kind: TimedKind, lock: u64, thread: u64, at_ns: u64, dur_ns: u64) -> TimedEvent {
    TimedEvent {
        input: 0,
        lock_id: lock,
        lock: 0,
        thread_id: thread,
        thread: 0,
        site: 0,
        at_ns,
        dur_ns,
        kind,
    }
}

fn timeline(events: Vec<TimedEvent>) -> Timeline {
    Timeline::new(events, vec!["x".to_owned()], 0)
}

#[test]
fn nested_and_disjoint_events_share_a_track_overlapping_ones_do_not() {
    let t = timeline(vec![
        event(HOLD, 1, 1, 0, 100),
        event(WAIT, 2, 1, 10, 20),  // nested in the first
        event(HOLD, 3, 1, 50, 100), // overlaps the first in part
        event(WAIT, 4, 1, 200, 10), // after everything
        event(WAIT, 1, 2, 5, 50),   // another thread
        event(HOLD, 5, 1, 60, 60),  // nested in the third, overlapping the first
    ]);
    let tracks = Tracks::of(&t);
    let lanes: Vec<(u64, usize, Vec<usize>)> = tracks
        .tracks
        .iter()
        .map(|tr| (t.events[tr.events[0]].thread_id, tr.lane, tr.events.clone()))
        .collect();
    assert_eq!(
        lanes,
        [(1, 0, vec![0, 1, 3]), (1, 1, vec![2, 5]), (2, 0, vec![4])]
    );
    for (i, &(track, pos)) in tracks.place.iter().enumerate() {
        assert_eq!(tracks.tracks[track].events[pos], i);
    }
}

#[test]
fn events_with_the_same_span_get_tracks_of_their_own() {
    let t = timeline(vec![
        event(HOLD, 1, 1, 0, 100),
        event(HOLD, 2, 1, 0, 100),
        event(WAIT, 3, 1, 0, 50),
    ]);
    let tracks = Tracks::of(&t);
    let lanes: Vec<Vec<usize>> = tracks.tracks.iter().map(|tr| tr.events.clone()).collect();
    assert_eq!(lanes, [vec![0, 2], vec![1]]);
    // The hold's arrow binds after the wait nested in it, where it is the innermost.
    assert_eq!(tracks.inside(&t.events, 0, 0), 51);
}

#[test]
fn flow_anchors_avoid_nested_events_and_ends() {
    let t = timeline(vec![
        event(HOLD, 1, 1, 0, 100),
        event(WAIT, 2, 1, 10, 20),
        event(WAIT, 3, 1, 31, 69), // from just after the first wait to the hold's end
    ]);
    let tracks = Tracks::of(&t);
    // Inside and free: as wanted, but off the hold's own start.
    assert_eq!(tracks.inside(&t.events, 0, 5), 5);
    assert_eq!(tracks.inside(&t.events, 0, 0), 1);
    // On the nested wait, or its end: after it, and past the next one there is nothing left, so
    // the first free time from the start.
    assert_eq!(tracks.inside(&t.events, 0, 15), 1);
    assert_eq!(tracks.inside(&t.events, 1, 10), 11);
    assert_eq!(tracks.inside(&t.events, 1, 500), 29);
}

#[test]
fn a_hold_caused_the_other_threads_waits_on_its_lock_that_overlap_it() {
    let t = timeline(vec![
        event(HOLD, 1, 1, 0, 100),
        event(WAIT, 1, 2, 50, 100), // overlaps: caused
        event(WAIT, 1, 3, 100, 10), // begins as the hold ends: not
        event(WAIT, 2, 2, 10, 10),  // another lock: not
        event(WAIT, 1, 1, 10, 10),  // the holder's own: not
        event(HOLD, 1, 4, 120, 50), // the second hold the long wait spans
        event(WAIT, 1, 5, 0, 0),    // no time: not
    ]);
    let caused = t.caused_waits(10);
    assert_eq!(caused.pairs, [(0, 1), (5, 1)]);
    assert_eq!(caused.left_out, 0);
    let capped = t.caused_waits(1);
    assert_eq!((capped.pairs.len(), capped.left_out), (1, 1));
}
