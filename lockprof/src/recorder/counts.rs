//! The fast path's exact acquisition counts, brought into a thread's statistics. The fast path
//! counts into its thread's counter slots without touching the recorder (`thread::count_fast`);
//! the recorder remembers how much of each slot's count it has taken, and takes the rest at each
//! summary, when the slot changes hands, and when the thread exits.

use super::summary::{Key, Stats};
use crate::meta::LockMeta;
use crate::task::Task;
use crate::thread::{self, Counters, SLOTS, SiteKey};

/// One thread's counter slots, as its recorder sees them.
#[derive(Debug)]
pub(super) struct SlotCounts {
    /// The thread's counters, while it is alive (`None` once it has exited).
    counters: Option<Counters>,
    /// How much of each slot's count is already in the statistics.
    taken: [u64; SLOTS],
}

impl SlotCounts {
    /// The calling thread's.
    pub(super) fn of_this_thread() -> SlotCounts {
        SlotCounts {
            counters: Counters::of_this_thread(),
            taken: [0; SLOTS],
        }
    }

    /// Whether the thread has exited (see [`SlotCounts::take_last`]).
    pub(super) fn thread_exited(&self) -> bool {
        self.counters.is_none()
    }

    /// Moves what the fast path counted since the last look into `stats`; returns the keys the
    /// slots hold now (their statistics must stay, even idle: the slots keep counting into them).
    /// With the thread's recorder locked, as every use of these counters is.
    pub(super) fn take(&mut self, stats: &mut Stats) -> Vec<Key> {
        let Some(counters) = &self.counters else {
            return Vec::new();
        };
        let mut held = Vec::new();
        for index in 0..SLOTS {
            // SAFETY: `counters` is set only while its thread is alive: the thread clears it (in
            // `take_last`, with its recorder locked, as it is now) before it is gone.
            let (lock, site, count) = unsafe { counters.read(index) };
            if lock == 0 {
                continue;
            }
            let new = count.saturating_sub(self.taken[index]);
            self.taken[index] = count;
            if new != 0 {
                stats.add_acquisitions((lock, site), new);
            }
            held.push((lock, site));
        }
        held
    }

    /// The thread is exiting: what its counters hold goes into `stats`, and the counters, which
    /// are about to go away, are forgotten.
    pub(super) fn take_last(&mut self, stats: &mut Stats) {
        self.take(stats);
        self.counters = None;
    }

    /// Gives slot `index` to (`meta`, `site`) with this acquisition counted, after moving what it
    /// counted for its previous key into that key's statistics. Only on the slots' own thread,
    /// with its recorder locked, so a collector sees the slot either before or after, never
    /// halfway.
    pub(super) fn claim(
        &mut self,
        index: usize,
        stats: &mut Stats,
        meta: &LockMeta,
        site: SiteKey,
    ) {
        if let Some(counters) = &self.counters {
            // SAFETY: these are this thread's own counters, alive while it runs.
            let (lock, old_site, count) = unsafe { counters.read(index) };
            let new = count.saturating_sub(self.taken[index]);
            if lock != 0 && new != 0 {
                stats.add_acquisitions((lock, old_site), new);
            }
        }
        stats.entry(meta, site, Task::None);
        thread::assign_slot(index, meta.id(), site);
        self.taken[index] = 0;
    }
}
