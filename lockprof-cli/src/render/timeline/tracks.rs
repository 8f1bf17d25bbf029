//! The timeline's tracks. Trace-event viewers stack a thread's complete events by nesting, so on
//! one track two events must nest or be disjoint, never overlap in part. A thread's waits and
//! holds mostly do (a wait or a hold inside the hold of another lock), but not always: a thread
//! that releases locks out of order (hand-over-hand locking) holds two locks in overlapping,
//! unnested spans. Such an event goes to another track of the same thread, named as such, so
//! every event keeps its exact times; so does an event with the same span as one it would nest
//! in, which a flow arrow could not tell apart from it.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::{NameIdx, TimedEvent, Timeline};

/// `[start, end)` of an event, ns.
type Span = (u64, u64);

/// One track: a thread's events that nest, in order of start (longest first on a tie, so a
/// parent comes before what it encloses).
#[derive(Clone, Debug)]
pub(super) struct Track {
    pub(super) input: usize,
    pub(super) thread: NameIdx,
    /// 0 for the thread's own track, 1, 2, … for the tracks of its overlapping events.
    pub(super) lane: usize,
    pub(super) events: Vec<usize>,
}

/// Every event's track, and the tracks in order of input, thread id and lane.
#[derive(Clone, Debug)]
pub(super) struct Tracks {
    pub(super) tracks: Vec<Track>,
    /// Per event of the timeline: its track, and its place in that track's events.
    pub(super) place: Vec<(usize, usize)>,
}

impl Tracks {
    /// Lays out `timeline`'s events, each on the first of its thread's tracks where it nests.
    pub(super) fn of(timeline: &Timeline) -> Tracks {
        let events = &timeline.events;
        let mut by_thread: BTreeMap<(usize, u64), Vec<usize>> = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            by_thread.entry((e.input, e.thread_id)).or_default().push(i);
        }
        let mut tracks = Vec::new();
        for mut thread in by_thread.into_values() {
            thread.sort_unstable_by_key(|&i| (events[i].at_ns, Reverse(events[i].dur_ns), i));
            // Per lane: its events, and the spans of those still open at the current start
            // (each enclosing the next).
            let mut lanes: Vec<(Vec<usize>, Vec<Span>)> = Vec::new();
            for i in thread {
                let e = &events[i];
                let span = (e.at_ns, e.end_ns());
                let lane = lanes.iter_mut().position(|(_, open)| {
                    while open.last().is_some_and(|&(_, end)| end <= e.at_ns) {
                        open.pop();
                    }
                    // Two events with the same span nest by the format's rules, but no time
                    // tells them apart for a flow arrow: the second goes to another track.
                    open.last()
                        .is_none_or(|&top| span.1 <= top.1 && span != top)
                });
                let l = lane.unwrap_or_else(|| {
                    lanes.push((Vec::new(), Vec::new()));
                    lanes.len() - 1
                });
                let (lane_events, open) = &mut lanes[l];
                lane_events.push(i);
                open.push(span);
            }
            let first = &events[lanes[0].0[0]];
            for (lane, (events, _)) in lanes.into_iter().enumerate() {
                tracks.push(Track {
                    input: first.input,
                    thread: first.thread,
                    lane,
                    events,
                });
            }
        }
        let mut place = vec![(0, 0); events.len()];
        for (t, track) in tracks.iter().enumerate() {
            for (pos, &i) in track.events.iter().enumerate() {
                place[i] = (t, pos);
            }
        }
        Tracks { tracks, place }
    }

    /// A time strictly inside event `i` (if it lasts more than a nanosecond), at or after `want`
    /// if possible, where `i` is the innermost event of its track: a viewer binds a flow
    /// arrow to the innermost event at the arrow's time, and an arrow meant for a hold must not
    /// land on a wait nested in it. Ends are avoided too, where viewers differ on which event
    /// holds the time.
    pub(super) fn inside(&self, events: &[TimedEvent], i: usize, want: u64) -> u64 {
        let (start, end) = (events[i].at_ns, events[i].end_ns());
        if end - start < 2 {
            return start;
        }
        let want = want.clamp(start + 1, end - 1);
        // When nested events cover everything from `want` on, the first free time from the
        // start.
        self.free_from(events, i, want)
            .or_else(|| self.free_from(events, i, start + 1))
            .unwrap_or(start + 1)
    }

    /// The first time from `t` on, before `i` ends, that no event nested in `i` covers (ends
    /// included).
    fn free_from(&self, events: &[TimedEvent], i: usize, mut t: u64) -> Option<u64> {
        let end = events[i].end_ns();
        let (track, pos) = self.place[i];
        // What follows `i` in its track and starts before its end is nested in it; in order of
        // start, so one pass steps over every nested event covering `t`.
        for &j in &self.tracks[track].events[pos + 1..] {
            let n = &events[j];
            if n.at_ns >= end || n.at_ns > t {
                break;
            }
            if t <= n.end_ns() {
                t = n.end_ns().saturating_add(1);
            }
        }
        (t < end).then_some(t)
    }
}
