//! Per-thread state of the fast path: the thread's lockprof id, the hold-sampling countdown and a
//! small direct-mapped table of exact acquisition counters keyed by (lock, site).
//!
//! Everything here is in a `const`-initialised thread-local without a destructor, so an access is
//! a plain load from the thread's TLS block: no lazy-init branch, no registration. The counters
//! are atomics only so that a flush on another thread can read them ([`Counters`]); the owner
//! alone writes them, with a plain load and store, which cost what a `Cell` does.
//! The rest of the per-thread state (histograms, pending events) is in [`crate::recorder`].

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, PoisonError, RwLock};

use crate::Mode;
use crate::integral::WaitTicket;
use crate::meta::LockMeta;
use crate::site::TaggedSite;
use crate::stacks::StackId;

/// Number of counter slots per thread (a power of two).
pub(crate) const SLOTS: usize = 64;

/// Waits a thread can note inside critical sections before they are recorded (one per lock held
/// after a contended acquisition; more spill to the recorder directly).
const PENDING_WAITS: usize = 4;

/// Names of threads that have exited are kept (a wait may name a holder that has since exited)
/// until there are more names than this; then the exited ones are forgotten.
const MAX_NAMES: usize = 4096;

static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

/// Names of live threads by lockprof id, so a waiter can name the thread holding its lock.
static NAMES: RwLock<Names> = RwLock::new(Names {
    by_id: BTreeMap::new(),
    exited: Vec::new(),
});

struct Names {
    by_id: BTreeMap<u64, Arc<str>>,
    exited: Vec<u64>,
}

/// A contended acquisition, noted inside the critical section and recorded after the release.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wait {
    /// Address of the lock's bookkeeping ([`LockMeta::addr`]).
    pub(crate) lock: usize,
    pub(crate) site: SiteKey,
    pub(crate) start: u64,
    pub(crate) end: u64,
    /// lockprof id of the thread holding the lock when the wait began (0: unknown).
    pub(crate) holder: u64,
    /// Of this wait, what no hold is charged: the part before it registered in the lock's
    /// integral (see `WaitIntegral::defer_wait`).
    pub(crate) unattributed_ns: u64,
    /// The waiter's native stack, if captured before blocking (an `RwLock`'s; a mutex's is
    /// captured after the hold; 0: none yet).
    pub(crate) stack: StackId,
}

impl Wait {
    const NONE: Wait = Wait {
        lock: 0,
        site: SiteKey(TaggedSite::NONE),
        start: 0,
        end: 0,
        holder: 0,
        unattributed_ns: 0,
        stack: 0,
    };
}

/// Acquire site and mode: the key of the statistics, the mode in the site's tag bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SiteKey(TaggedSite);

impl SiteKey {
    #[inline]
    pub(crate) fn new(site: &'static Location<'static>, mode: Mode) -> SiteKey {
        SiteKey(TaggedSite::new(site, mode as usize))
    }

    /// The site and mode this key was made from.
    pub(crate) fn parts(self) -> (&'static Location<'static>, Mode) {
        let mode = match self.0.tags() {
            0 => Mode::Exclusive,
            1 => Mode::Shared,
            _ => Mode::Upgradable,
        };
        (self.0.site(), mode)
    }
}

/// One exact acquisition counter. Written only by its thread: `count` on the fast path, all
/// three when the slot changes hands, which happens with the thread's recorder locked, so a
/// collector (which locks it too) never sees one key with another's count.
struct Slot {
    lock: AtomicU64,
    site: AtomicUsize,
    /// Acquisitions since the slot was given to (lock, site); never reset otherwise: collectors
    /// remember how much of it they have reported.
    count: AtomicU64,
}

type Slots = [Slot; SLOTS];

pub(crate) struct FastThread {
    id: Cell<u64>,
    countdown: Cell<u32>,
    /// Exclusive acquisitions of locks in a storm this thread lets go by before it samples one
    /// for its blame (see [`storm_sample_due`]).
    storm_countdown: Cell<u32>,
    /// The mean of the interval `storm_countdown` was drawn from: the weight of the sample that
    /// ends it (0: none drawn yet).
    storm_interval: Cell<u32>,
    /// How this thread's current timed exclusive hold began, for its release (lock 0: none).
    hold_start: Cell<HoldStart>,
    /// Of this thread's current wait, the part before it registered in the lock's integral, for
    /// the wait's record.
    passed_over_ns: Cell<u64>,
    /// The start of the current wait while the lock's integral does not see it (0: it does, or
    /// no wait), and its registration once it outlasts busy spinning (see
    /// `WaitIntegral::defer_wait`).
    deferred_wait: Cell<(u64, Option<WaitTicket>)>,
    /// xorshift state for randomising the sampling interval (so periodic programs don't alias).
    rng: Cell<u32>,
    /// Set while lockprof itself emits events or records on this thread: profiled locks taken by
    /// a subscriber then skip recording instead of recursing.
    busy: Cell<bool>,
    /// Until when a release has nothing for the recorder to emit: no events pending and the next
    /// summary flush not due (0: ask the recorder). Kept here, where a check costs a few
    /// instructions, rather than in the recorder, whose access costs a lazy thread-local and a
    /// lock on every contended release.
    quiet_until_ns: Cell<u64>,
    slots: [Slot; SLOTS],
    /// The lock of each pending wait (0: free), scanned without copying the waits.
    pending_locks: [Cell<usize>; PENDING_WAITS],
    pending: [Cell<Wait>; PENDING_WAITS],
}

thread_local! {
    static FAST: FastThread = const {
        FastThread {
            id: Cell::new(0),
            countdown: Cell::new(0),
            storm_countdown: Cell::new(0),
            storm_interval: Cell::new(0),
            hold_start: Cell::new(HoldStart::NONE),
            passed_over_ns: Cell::new(0),
            deferred_wait: Cell::new((0, None)),
            rng: Cell::new(0),
            busy: Cell::new(false),
            quiet_until_ns: Cell::new(0),
            slots: [const {
                Slot {
                    lock: AtomicU64::new(0),
                    site: AtomicUsize::new(0),
                    count: AtomicU64::new(0),
                }
            }; SLOTS],
            pending_locks: [const { Cell::new(0) }; PENDING_WAITS],
            pending: [const { Cell::new(Wait::NONE) }; PENDING_WAITS],
        }
    };
}

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
        None => format!("thread-{id}").into(),
    };
    NAMES
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .by_id
        .insert(id, name.clone());
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

/// A random number from this thread's generator (0 before the thread is registered).
pub(crate) fn random() -> u32 {
    FAST.try_with(next_random).unwrap_or(0)
}

/// The thread's next xorshift number (randomises sampling, so periodic programs don't alias).
fn next_random(t: &FastThread) -> u32 {
    let mut x = t.rng.get();
    if x == 0 {
        // Not registered yet (a seed is never 0).
        x = 0x9E37_79B9;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    t.rng.set(x);
    x
}

/// Whether to sample this exclusive acquisition of a lock in a storm, which samples one in
/// `2^shift` of them (`shift > 0`) for their blame: a countdown of this thread's, restarted at
/// random in [2^shift / 2, 1.5 · 2^shift) after each sample (so threads that take turns do not
/// alias with the interval). A countdown left longer by a sparser lock's interval restarts at
/// this lock's, so each lock is sampled at its own rate. Returns the sample's weight: the mean of
/// the interval it ends (0: not sampled).
#[inline]
pub(crate) fn storm_sample_due(shift: u32) -> u32 {
    FAST.try_with(|t| {
        let left = t.storm_countdown.get();
        if left != 0 && left < 3 << (shift - 1) {
            t.storm_countdown.set(left - 1);
            return 0;
        }
        let weight = if left == 0 { t.storm_interval.get() } else { 0 };
        restart_storm_countdown(t, shift);
        weight
    })
    .unwrap_or(0)
}

/// Out of line: it runs once per sample (and when another lock's countdown is cut short), and
/// inlined it made the guard's drop too big to inline.
#[cold]
#[inline(never)]
fn restart_storm_countdown(t: &FastThread, shift: u32) {
    let interval = 1u32 << shift;
    t.storm_interval.set(interval);
    t.storm_countdown
        .set(interval / 2 + (next_random(t) & (interval - 1)));
}

/// How a timed exclusive hold began: W of the lock's integral then (see
/// `WaitIntegral::charge_hold`), and whether it is a storm's sample.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldStart {
    /// The lock ([`LockMeta::addr`]).
    pub(crate) lock: usize,
    /// How many holds it stands for as a storm's sample (see [`storm_sample_due`]); 0: none.
    pub(crate) storm_weight: u32,
    /// W of the lock's waiting integral when it began (`WaitIntegral::integral_at`), to charge
    /// it from at its release.
    pub(crate) integral: u64,
}

impl HoldStart {
    const NONE: HoldStart = HoldStart {
        lock: 0,
        storm_weight: 0,
        integral: 0,
    };
}

/// Notes how this thread's current hold began, for its release.
pub(crate) fn note_hold_start(start: HoldStart) {
    let _ = FAST.try_with(|t| t.hold_start.set(start));
}

/// How this thread's current hold of `lock` began, if it noted it; forgets it. (A thread that
/// holds two such locks at once keeps the later: the earlier is then released as an unsampled
/// hold, which the estimate allows for, with no waiting passed over.)
pub(crate) fn take_hold_start(lock: usize) -> Option<HoldStart> {
    FAST.try_with(|t| {
        let start = t.hold_start.get();
        (start.lock == lock && lock != 0).then(|| {
            t.hold_start.set(HoldStart::NONE);
            start
        })
    })
    .ok()
    .flatten()
}

/// Notes that the current wait, begun at `start`, is not seen by the lock's integral yet.
pub(crate) fn defer_wait(start: u64) {
    let _ = FAST.try_with(|t| t.deferred_wait.set((start, None)));
}

/// The start of the current wait if the lock's integral does not see it yet; forgets it (the
/// caller registers it, and notes that with [`registered_late`]).
pub(crate) fn take_deferred_start() -> Option<u64> {
    FAST.try_with(|t| {
        let (start, late) = t.deferred_wait.get();
        (start != 0 && late.is_none()).then(|| {
            t.deferred_wait.set((0, None));
            start
        })
    })
    .ok()
    .flatten()
}

/// Notes the registration of the current wait, deferred until now.
pub(crate) fn registered_late(ticket: WaitTicket) {
    let _ = FAST.try_with(|t| t.deferred_wait.set((0, Some(ticket))));
}

/// The registration of the current wait if it was deferred and then registered; forgets the
/// deferral either way.
pub(crate) fn take_late_registration() -> Option<WaitTicket> {
    FAST.try_with(|t| t.deferred_wait.replace((0, None)).1)
        .ok()
        .flatten()
}

/// Adds to the waiting this thread passed over during its current wait.
pub(crate) fn add_passed_over(ns: u64) {
    let _ = FAST.try_with(|t| t.passed_over_ns.set(t.passed_over_ns.get() + ns));
}

/// The waiting this thread passed over during the wait that just ended; resets it.
pub(crate) fn take_passed_over() -> u64 {
    FAST.try_with(|t| t.passed_over_ns.replace(0)).unwrap_or(0)
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

/// The name of thread `id` if it is alive, `thread-<id>` if not, empty for 0 (unknown).
pub(crate) fn name_of(id: u64) -> Arc<str> {
    if id == 0 {
        return "".into();
    }
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    match names.by_id.get(&id) {
        Some(name) => name.clone(),
        None => format!("thread-{id}").into(),
    }
}

/// Notes that thread `id` has exited; its name is forgotten once there are too many names.
pub(crate) fn unregister(id: u64) {
    let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
    names.exited.push(id);
    if names.by_id.len() > MAX_NAMES {
        let Names { by_id, exited } = &mut *names;
        for id in exited.drain(..) {
            by_id.remove(&id);
        }
    }
}

/// Notes a contended acquisition until the lock's release; `false` when the thread already has
/// as many pending as it can keep (the caller records it directly then).
#[inline]
pub(crate) fn note_wait(wait: &Wait) -> bool {
    FAST.try_with(|t| {
        for (lock, cell) in t.pending_locks.iter().zip(&t.pending) {
            if lock.get() == 0 {
                lock.set(wait.lock);
                cell.set(*wait);
                return true;
            }
        }
        false
    })
    .unwrap_or(false)
}

/// Hands the waits noted for lock `lock` (an address from [`LockMeta::addr`]) to `f`.
pub(crate) fn take_waits(lock: usize, mut f: impl FnMut(Wait)) {
    let _ = FAST.try_with(|t| {
        for (pending_lock, cell) in t.pending_locks.iter().zip(&t.pending) {
            if pending_lock.get() == lock {
                pending_lock.set(0);
                f(cell.get());
            }
        }
    });
}

/// Runs `f` with this thread marked busy, unless it already is (then returns `None`): lockprof's
/// own recording must not recurse through a subscriber that takes a profiled lock.
pub(crate) fn while_busy<R>(f: impl FnOnce() -> R) -> Option<R> {
    let entered = FAST.try_with(|t| !t.busy.replace(true)).unwrap_or(false);
    if !entered {
        return None;
    }
    struct Exit;
    impl Drop for Exit {
        fn drop(&mut self) {
            let _ = FAST.try_with(|t| t.busy.set(false));
        }
    }
    let _exit = Exit;
    Some(f())
}

/// Whether the recorder has nothing to emit at `now` (see `FastThread::quiet_until_ns`).
#[inline]
pub(crate) fn is_quiet(now: u64) -> bool {
    FAST.try_with(|t| now < t.quiet_until_ns.get())
        .unwrap_or(false)
}

/// Notes until when the recorder has nothing to emit (0: it may have now).
pub(crate) fn set_quiet_until(until_ns: u64) {
    let _ = FAST.try_with(|t| t.quiet_until_ns.set(until_ns));
}

/// Whether lockprof is recording or emitting on this thread right now.
pub(crate) fn is_busy() -> bool {
    FAST.try_with(|t| t.busy.get()).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
