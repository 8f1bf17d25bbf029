//! Which waits each hold of a timeline caused. By blame's definition (docs/EVENTS.md), a hold is
//! charged the waiting of every other thread on its lock while it lasted, so a hold caused each
//! wait of another thread on the same lock instance that overlaps it; a wait that spanned two
//! holds was caused by both.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use super::timeline::{TimedEvent, Timeline};

/// Holds and the waits they caused, as indices into [`Timeline::events`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CausedWaits {
    /// `(hold, wait)` pairs, in order of the later of the two starts, then of events.
    pub pairs: Vec<(usize, usize)>,
    /// Pairs past the cap given to [`Timeline::caused_waits`], not listed.
    pub left_out: u64,
}

impl Timeline {
    /// Every (hold, wait) pair where the hold caused the wait, at most `max` of them (the
    /// earliest). Output-sensitive: a sweep over the events of each lock in order of start, so
    /// the cost is the events' sort plus the pairs found.
    pub fn caused_waits(&self, max: usize) -> CausedWaits {
        let mut by_lock: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
        for (i, e) in self.events.iter().enumerate() {
            by_lock.entry((e.input, e.lock_id)).or_default().push(i);
        }
        let mut locks: Vec<((usize, u64), Vec<usize>)> = by_lock.into_iter().collect();
        locks.sort_unstable_by_key(|(key, _)| *key);
        let mut out = CausedWaits::default();
        for (_, mut events) in locks {
            events.sort_unstable_by_key(|&i| {
                (self.events[i].at_ns, Reverse(self.events[i].dur_ns), i)
            });
            sweep(&self.events, &events, max, &mut out);
        }
        out
    }
}

/// Pairs the holds and waits of one lock (`order`: their indices by start): each event, as it
/// starts, is paired with every event of the other kind still going on.
fn sweep(events: &[TimedEvent], order: &[usize], max: usize, out: &mut CausedWaits) {
    // (end, index) of the holds and the waits going on.
    let mut holds: BTreeSet<(u64, usize)> = BTreeSet::new();
    let mut waits: BTreeSet<(u64, usize)> = BTreeSet::new();
    for &i in order {
        let e = &events[i];
        // What ended at or before this start did not overlap it.
        for going in [&mut holds, &mut waits] {
            while going.first().is_some_and(|&(end, _)| end <= e.at_ns) {
                going.pop_first();
            }
        }
        // No time, no overlap.
        if e.dur_ns == 0 {
            continue;
        }
        let (mine, others) = if e.is_wait() {
            (&mut waits, &holds)
        } else {
            (&mut holds, &waits)
        };
        for &(_, j) in others.iter() {
            if events[j].thread_id == e.thread_id {
                continue;
            }
            if out.pairs.len() >= max {
                out.left_out += 1;
                continue;
            }
            out.pairs.push(if e.is_wait() { (j, i) } else { (i, j) });
        }
        mine.insert((e.end_ns(), i));
    }
}
