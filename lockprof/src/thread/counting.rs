//! Counting acquisitions: the fast path's exact per-(lock, site) counters, the hold-sampling
//! countdown, and a thread's registration with lockprof.

use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::names;
use super::random::next_random;
use super::site_key::SiteKey;
use super::state::{FAST, FastThread, SLOTS, Slots};
use crate::meta::LockMeta;
use crate::site::TaggedSite;

static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

/// What the fast path decided about the hold it just began.
pub(crate) enum Sampled {
    /// Not timed.
    No,
    /// Timed as a sample standing for `weight` holds.
    Yes { weight: u32 },
}

impl Sampled {
    /// The weight for the hold's token: 0 when it is not the sample.
    pub(crate) fn weight(&self) -> u32 {
        match self {
            Sampled::No => 0,
            Sampled::Yes { weight } => *weight,
        }
    }
}

/// The fast path: counts one acquisition of lock `lock_id` at `site` by this thread and records
/// the thread as the holder, if that takes nothing unusual. Returns `false` (having done nothing)
/// when the slow variant [`on_acquire`] must run instead: slot taken by another key, thread not
/// registered yet, or this is the hold to sample.
#[inline(always)]
pub(crate) fn count_fast(meta: &LockMeta, lock_id: u64, site: SiteKey) -> bool {
    FAST.with(|t| {
        let slot = &t.slots[slot_index(lock_id, site)];
        let countdown = t.countdown.get();
        // An unregistered thread has countdown 0, so it always takes the slow variant first.
        if slot.lock.load(Relaxed) != lock_id
            || slot.site.load(Relaxed) != site.0.word()
            || countdown <= 1
        {
            return false;
        }
        // A load and a store, not an RMW: only this thread writes the counter.
        slot.count.store(slot.count.load(Relaxed) + 1, Relaxed);
        t.countdown.set(countdown - 1);
        meta.holder.store(t.id.get(), Relaxed);
        true
    })
}

/// What [`on_acquire`] did that the recorder is to hear of, and whether the hold is sampled.
pub(crate) struct Counted {
    pub(crate) sampled: Sampled,
    /// This thread, if the acquisition registered it.
    pub(crate) new_thread: Option<NewThread>,
    /// The counter slot of the acquisition's (lock, site) if another key has it: this
    /// acquisition is counted once the recorder has taken the slot's count for that key and
    /// given it over (`recorder::claim_slot`).
    pub(crate) slot_to_claim: Option<usize>,
}

/// A thread lockprof has just met: its id and name, for its recorder.
pub(crate) struct NewThread {
    pub(crate) id: u64,
    pub(crate) name: Arc<str>,
}

/// Counts one acquisition of `meta` at `site` by this thread (or leaves it to the recorder, see
/// [`Counted::slot_to_claim`]), records it as the lock's holder and says whether this hold is the
/// sampled one. The general form of [`count_fast`].
#[cold]
#[inline(never)]
pub(crate) fn on_acquire(meta: &LockMeta, site: SiteKey) -> Counted {
    FAST.with(|t| {
        let mut id = t.id.get();
        let mut new_thread = None;
        if id == 0 {
            let new = register(t);
            id = new.id;
            new_thread = Some(new);
        }
        meta.holder.store(id, Relaxed);
        let lock_id = meta.id();
        let index = slot_index(lock_id, site);
        let slot = &t.slots[index];
        let mut slot_to_claim = None;
        if slot.lock.load(Relaxed) == lock_id && slot.site.load(Relaxed) == site.0.word() {
            slot.count.store(slot.count.load(Relaxed) + 1, Relaxed);
        } else {
            slot_to_claim = Some(index);
        }
        let countdown = t.countdown.get() - 1;
        let sampled = if countdown == 0 {
            Sampled::Yes {
                weight: restart_countdown(t),
            }
        } else {
            t.countdown.set(countdown);
            Sampled::No
        };
        Counted {
            sampled,
            new_thread,
            slot_to_claim,
        }
    })
}

/// The slot of (lock, site, mode): the key's low bits (the mode, then the site's address) xor the
/// lock id. The mode must be in the index: one site taking a lock in two modes (a macro that reads
/// and writes, whose expansions all have the macro's location) then keeps two slots, where
/// sharing one evicted the other's count on every switch (a read-mostly `RwLock` ran at 0.5×
/// parking_lot instead of 0.7×). One xor: it is on the fast path's dependency chain, and the
/// variants that mixed in more address bits measured 1.20–1.26× parking_lot on the uncontended
/// read against 1.13× for this one (where the slot lands may matter as much as the extra
/// operation; BENCHMARKS.md). Sites of one lock whose addresses agree modulo 64 share a slot and
/// take the slower path in turn; their counts stay exact.
#[inline(always)]
fn slot_index(lock_id: u64, site: SiteKey) -> usize {
    (site.0.word() ^ lock_id as usize) & (SLOTS - 1)
}

/// Gives this thread's slot `index` to (lock, site), with one acquisition counted. Only the
/// recorder calls this, with the thread's recorder locked, after taking the slot's counts.
pub(crate) fn assign_slot(index: usize, lock_id: u64, site: SiteKey) {
    let _ = FAST.try_with(|t| {
        let slot = &t.slots[index];
        slot.lock.store(lock_id, Relaxed);
        slot.site.store(site.0.word(), Relaxed);
        slot.count.store(1, Relaxed);
    });
}

/// A thread's counter slots, readable from any thread while that thread is alive.
pub(crate) struct Counters(NonNull<Slots>);

// SAFETY: the slots are atomics; `Counters::read` states when the pointer may be followed.
unsafe impl Send for Counters {}
// SAFETY: as above.
unsafe impl Sync for Counters {}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Counters").field(&self.0).finish()
    }
}

impl Counters {
    /// The calling thread's counters (`None` if its thread-locals are gone).
    pub(crate) fn of_this_thread() -> Option<Counters> {
        FAST.try_with(|t| Counters(NonNull::from(&t.slots))).ok()
    }

    /// Slot `index`: its lock id (0: unused), site and acquisitions since it was assigned.
    ///
    /// # Safety
    ///
    /// The thread these counters belong to must not have finished exiting. `FAST` has no
    /// destructor, so (on targets with native thread-locals, where it is a plain `static` in the
    /// thread's TLS block) its storage lasts until the thread is gone, after every thread-local
    /// destructor has run; the recorder forgets its `Counters` in its own destructor, with its
    /// lock held, and reads them only with that lock held.
    pub(crate) unsafe fn read(&self, index: usize) -> (u64, SiteKey, u64) {
        // SAFETY: the caller guarantees the slots are still alive.
        let slot = unsafe { &self.0.as_ref()[index] };
        // The count last: it only grows while lock and site stay, and they change only under the
        // recorder's lock, which the caller holds.
        let (lock, site) = (slot.lock.load(Relaxed), slot.site.load(Relaxed));
        // SAFETY: slots hold the words of site keys, or 0.
        let site = SiteKey(unsafe { TaggedSite::from_word(site) });
        (lock, site, slot.count.load(Relaxed))
    }
}

#[cold]
#[inline(never)]
fn register(t: &FastThread) -> NewThread {
    let id = NEXT_THREAD_ID.fetch_add(1, Relaxed);
    t.id.set(id);
    // Seed from the id so threads do not sample in lock-step.
    t.rng.set((id as u32).wrapping_mul(0x9E37_79B9) | 1);
    restart_countdown(t);
    let name: Arc<str> = match std::thread::current().name() {
        Some(name) => name.into(),
        None => crate::event::unnamed_thread(id).into(),
    };
    names::insert(id, name.clone());
    crate::clock::warm_up();
    NewThread { id, name }
}

/// Sets the countdown to a random interval with mean `hold_sample_interval()`; returns it (the
/// weight of the sample that ends it).
fn restart_countdown(t: &FastThread) -> u32 {
    let mean = crate::config::hold_sample_interval();
    let interval = if mean <= 1 {
        1
    } else {
        // Uniform in [mean/2, mean/2 + mean): mean `mean`, never 0.
        mean / 2 + next_random(t) % mean.max(1)
    };
    let interval = interval.max(1);
    t.countdown.set(interval);
    interval
}

/// This thread's lockprof id, 0 if it has none yet.
#[inline]
pub(crate) fn id_if_registered() -> u64 {
    FAST.try_with(|t| t.id.get()).unwrap_or(0)
}

/// Registers the calling thread with lockprof if it is not yet; returns it if it is new.
pub(crate) fn ensure_registered() -> Option<NewThread> {
    FAST.try_with(|t| (t.id.get() == 0).then(|| register(t)))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::Mode;

    #[test]
    fn one_site_in_each_mode_keeps_a_slot_of_its_own() {
        let site = Location::caller();
        for lock_id in 1..200 {
            let slots: Vec<usize> = [Mode::Exclusive, Mode::Shared, Mode::Upgradable]
                .into_iter()
                .map(|mode| slot_index(lock_id, SiteKey::new(site, mode)))
                .collect();
            assert!(
                slots[0] != slots[1] && slots[1] != slots[2] && slots[0] != slots[2],
                "lock {lock_id}: {slots:?}"
            );
        }
    }
}
