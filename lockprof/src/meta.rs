//! Per-lock bookkeeping that lives next to the raw lock: identity, current holder, adaptive timing
//! and the waiting integral ([`crate::integral`]) that makes blame exact.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering::Relaxed};

use crate::LockKind;
use crate::integral::WaitIntegral;
use crate::name::LockName;
use crate::thread;

static NEXT_LOCK_ID: AtomicU64 = AtomicU64::new(1);

/// Bookkeeping of one profiled lock, laid out for the cache (`repr(C)`).
///
/// The profiled locks are aligned to 128 bytes and start with this struct, followed by the raw
/// lock word and then the data. The first 64 bytes hold what is read-mostly or touched only by
/// slow paths; the second cache line starts with what every acquisition and release touches
/// (`waiting`, `holder`, `shift`, `hot`), so the one line a contended hand-off moves between
/// cores carries those, the lock word and the start of the protected data together, as
/// parking_lot's does for its lock word and data. (Measured: with the data on another line than
/// the lock word, a 4-thread hand-off workload ran at half the throughput, recording on or off.)
#[derive(Debug)]
#[repr(C)]
pub(crate) struct LockMeta {
    pub(crate) name: LockName,
    /// The stack of the latest hold that made others wait, for its waiters to pair with
    /// (`stacks::pack_blamed`; 0: none). Written after that hold's unlock.
    pub(crate) blamed: AtomicU64,
    /// When the last measured release happened: an untimed hold began after it.
    last_release: AtomicU64,
    /// Process-unique id, assigned on first use so `const` construction stays possible.
    id: AtomicU64,
    pub(crate) kind: LockKind,
    /// Releases with waiters may have gone unmeasured since the last measured release: the lock
    /// was in a storm then and has not been quiet, with nobody waiting, since. The next measured
    /// release's charge then covers their waiting too (`HoldFields::storm`).
    storm_since_release: AtomicBool,
    /// Who waited, for how long, and how much of it is charged to holders. Its last field, the
    /// waiter count and running sum, begins the second cache line.
    pub(crate) integral: WaitIntegral,
    /// lockprof thread id of the last thread to acquire the lock (0: none yet).
    pub(crate) holder: AtomicU64,
    /// How sparsely releases with waiters are measured: one in `2^shift` of them (see
    /// `measure_this_release`). Written only at measured releases and when a storm ends.
    shift: AtomicU16,
    /// Holds left to time exactly after a recent long wait (one at least the event threshold).
    pub(crate) hot: AtomicU16,
}

/// Measured releases with waiters closer together than this make the lock sample more sparsely.
/// Each measured release lengthens a contended hand-off by a clock read and an atomic update,
/// which in a storm makes more threads collide: with 4 µs here, 4 and 8 threads handing a lock
/// back and forth (50 ns holds, 200 ns between) ran at 0.72× and 0.71× of parking_lot; with 25 µs,
/// 0.81× and 0.89× (BENCHMARKS.md).
const MEASURE_GAP_NS: u64 = 25_000;
/// In a storm, at least one in `2^MAX_SHIFT` releases with waiters (on average) is measured.
const MAX_SHIFT: u16 = 11;
/// A waiter arriving this long after the last measured release ends the storm.
const QUIET_NS: u64 = 1_000_000;

impl LockMeta {
    pub(crate) const fn new(name: LockName, kind: LockKind) -> LockMeta {
        LockMeta {
            name,
            kind,
            id: AtomicU64::new(0),
            holder: AtomicU64::new(0),
            hot: AtomicU16::new(0),
            shift: AtomicU16::new(0),
            integral: WaitIntegral::new(),
            last_release: AtomicU64::new(0),
            storm_since_release: AtomicBool::new(false),
            blamed: AtomicU64::new(0),
        }
    }

    /// Whether to measure this release, which has waiters. Under a storm of short contended
    /// holds, measuring every release would cost more than the holds: the lock measures one in
    /// `2^shift` of its releases with waiters (at random), and each one is charged all the
    /// waiting since the previous one. Totals stay exact; the split among holders becomes
    /// statistical. The countdown to the next measured release is the releasing thread's
    /// ([`thread::measure_release`]), not the lock's: a store to the lock's line on every
    /// release with waiters, while the waiters spin reading that line, cost about a point at 2
    /// threads (0.908× → 0.918× parking_lot without it, 23 ns holds, 20 processes). The
    /// countdown stays inline: out of line, the call on every such release cost 3–4 points
    /// (BENCHMARKS.md, session 5).
    #[inline]
    pub(crate) fn measure_this_release(&self) -> bool {
        let shift = u32::from(self.shift.load(Relaxed));
        shift == 0 || thread::measure_release(shift)
    }

    /// At a measured release with waiters at `now` (before the unlock and before `last_release`
    /// moves to it), adapts the sampling to how soon this release came after the previous one:
    /// measured releases less than `MEASURE_GAP_NS` apart double the interval, ones more than
    /// four gaps apart halve it. So a storm's measured releases settle at one per one to four
    /// `MEASURE_GAP_NS`, however short its holds, and releases that come slower are all
    /// measured. (The gap may include spells without waiters, so it cannot tell how long the
    /// holds in between were; `note_waiter` ends a storm that has turned into long holds.)
    pub(crate) fn adapt_sampling(&self, now: u64) {
        let gap = now.saturating_sub(self.last_release());
        let shift = self.shift.load(Relaxed);
        let shift = if gap < MEASURE_GAP_NS {
            (shift + 1).min(MAX_SHIFT)
        } else if gap >= 4 * MEASURE_GAP_NS {
            shift.saturating_sub(1)
        } else {
            shift
        };
        self.shift.store(shift, Relaxed);
    }

    /// Notes a thread starting to wait at `start`: if no release has been measured for a while,
    /// the storm is over (or holds became long), so the release it waits for is measured. If
    /// nobody else is waiting either, what that release is charged is this wait's, not the
    /// storm's.
    pub(crate) fn note_waiter(&self, start: u64) {
        if start.saturating_sub(self.last_release()) >= QUIET_NS {
            self.shift.store(0, Relaxed);
            if !self.integral.has_live_waiters() {
                self.storm_since_release.store(false, Relaxed);
            }
        }
    }

    /// When the last measured release happened.
    #[inline]
    pub(crate) fn last_release(&self) -> u64 {
        self.last_release.load(Relaxed)
    }

    /// Notes a measured release at `now`, after it adapted the sampling.
    #[inline]
    pub(crate) fn set_last_release(&self, now: u64) {
        self.last_release.store(now, Relaxed);
        self.storm_since_release.store(self.in_storm(), Relaxed);
    }

    /// Whether a release measured now is charged waiting from a storm's unmeasured releases
    /// (see `storm_since_release`), so that its blame is not its own.
    #[inline]
    pub(crate) fn charge_covers_a_storm(&self) -> bool {
        self.storm_since_release.load(Relaxed)
    }

    /// Whether the lock is in a storm: only a sample of its releases with waiters is measured.
    #[inline]
    pub(crate) fn in_storm(&self) -> bool {
        self.shift.load(Relaxed) != 0
    }

    /// The lock's process-unique id.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        match self.id.load(Relaxed) {
            0 => self.assign_id(),
            id => id,
        }
    }

    /// The id if assigned yet, else 0 (one load, for the fast path).
    #[inline(always)]
    pub(crate) fn id_if_assigned(&self) -> u64 {
        self.id.load(Relaxed)
    }

    /// Whether a recent long wait asks for exact hold times (one load on the lock's line).
    #[inline(always)]
    pub(crate) fn is_hot(&self) -> bool {
        self.hot.load(Relaxed) != 0
    }

    /// Times the next `HOT_HOLDS` holds exactly.
    #[inline]
    pub(crate) fn make_hot(&self) {
        self.hot.store(crate::config::HOT_HOLDS, Relaxed);
    }

    /// The lock's address: identifies it among the events a thread has pending.
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    #[cold]
    fn assign_id(&self) -> u64 {
        let fresh = NEXT_LOCK_ID.fetch_add(1, Relaxed);
        match self.id.compare_exchange(0, fresh, Relaxed, Relaxed) {
            Ok(_) => fresh,
            Err(existing) => existing,
        }
    }

    /// Whether any thread is waiting now (one relaxed load; the fast unlock path asks this).
    #[inline]
    pub(crate) fn has_waiters(&self) -> bool {
        self.integral.has_waiters()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_stable() {
        let a = LockMeta::new(LockName::Given("a"), LockKind::Mutex);
        let b = LockMeta::new(LockName::Given("b"), LockKind::Mutex);
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id(), a.id());
    }

    /// Simulates `releases` releases with waiters, `hold_ns` apart from `start`, measuring the ones
    /// the lock asks for as `release_slow` does; returns how many were measured and the time after.
    fn releases(meta: &LockMeta, start: u64, hold_ns: u64, releases: u64) -> (u64, u64) {
        let mut now = start;
        let mut measured = 0;
        for _ in 0..releases {
            now += hold_ns;
            if meta.measure_this_release() {
                meta.adapt_sampling(now);
                meta.set_last_release(now);
                measured += 1;
            }
        }
        (measured, now)
    }

    #[test]
    fn a_storm_of_short_holds_is_sampled_at_a_bounded_rate() {
        let meta = LockMeta::new(LockName::Given("storm"), LockKind::Mutex);
        // 25 ns holds for 10 ms: measured releases settle between one per MEASURE_GAP_NS and
        // one per 4 × MEASURE_GAP_NS (the first few, before the interval has grown, aside).
        let (measured, now) = releases(&meta, 1_000_000, 25, 400_000);
        assert!(meta.in_storm());
        let duration = now - 1_000_000;
        assert!(
            measured <= duration / MEASURE_GAP_NS + 20
                && measured >= duration / (8 * MEASURE_GAP_NS),
            "{measured} measured in {duration} ns"
        );
        // Holds of 4 gaps or more: each measured release halves the interval, so within
        // Σ 1.5 · 2^shift < 3 · 2^MAX_SHIFT releases every release is measured again.
        let slow = 4 * MEASURE_GAP_NS;
        let (_, now) = releases(&meta, now, slow, 3 << MAX_SHIFT);
        assert!(!meta.in_storm());
        let (measured, _) = releases(&meta, now, slow, 100);
        assert_eq!(measured, 100);
    }

    #[test]
    fn choosing_which_release_to_measure_writes_nothing_to_the_lock() {
        let meta = LockMeta::new(LockName::Given("choice"), LockKind::Mutex);
        meta.shift.store(4, Relaxed);
        let measured = (0..16_000).filter(|_| meta.measure_this_release()).count();
        // One in 2^4 on average: the intervals are uniform in [8, 24).
        assert!((900..=1100).contains(&measured), "{measured} measured");
        assert_eq!(meta.shift.load(Relaxed), 4);
    }

    #[test]
    fn a_sparser_locks_countdown_does_not_carry_over() {
        let sparse = LockMeta::new(LockName::Given("sparse"), LockKind::Mutex);
        let dense = LockMeta::new(LockName::Given("dense"), LockKind::Mutex);
        sparse.shift.store(MAX_SHIFT, Relaxed);
        dense.shift.store(2, Relaxed);
        // The sparse lock's measured release leaves this thread's countdown at 1 024 or more.
        while !sparse.measure_this_release() {}
        // The dense lock still measures one of its releases in [2, 6) (plus the restart).
        let first = (1..=8).find(|_| dense.measure_this_release());
        assert!(first.is_some(), "none of 8 releases measured");
    }

    #[test]
    fn a_waiter_after_a_quiet_spell_ends_the_storm() {
        let meta = LockMeta::new(LockName::Given("quiet"), LockKind::Mutex);
        let (_, now) = releases(&meta, 1_000_000, 25, 100_000);
        assert!(meta.in_storm());
        // A waiter arriving soon after is part of the same storm...
        meta.note_waiter(now + 10_000);
        assert!(meta.in_storm());
        // ...one arriving after the quiet spell is not: the release it waits for is measured.
        meta.note_waiter(now + QUIET_NS);
        assert!(!meta.in_storm());
        assert!(meta.measure_this_release());
    }

    #[test]
    fn a_storms_waiting_is_flagged_until_a_quiet_spell_with_nobody_waiting() {
        let meta = LockMeta::new(LockName::Given("storm's charge"), LockKind::Mutex);
        let (_, now) = releases(&meta, 1_000_000, 25, 1);
        assert!(!meta.charge_covers_a_storm(), "one release, measured");
        let (_, now) = releases(&meta, now, 25, 100_000);
        assert!(meta.charge_covers_a_storm());
        // A waiter after a quiet spell ends the storm, but one waiting since before it may
        // still have waited through unmeasured releases: the next charge is still the storm's.
        let ticket = meta.integral.begin_wait(now + 10);
        meta.note_waiter(now + QUIET_NS);
        assert!(!meta.in_storm());
        assert!(meta.charge_covers_a_storm());
        // With nobody waiting, a waiter after a quiet spell starts afresh.
        meta.integral.end_wait(ticket, now + QUIET_NS + 1);
        meta.note_waiter(now + 2 * QUIET_NS);
        assert!(!meta.charge_covers_a_storm());
    }

    #[test]
    fn sampled_releases_do_not_alias_with_alternating_holders() {
        let meta = LockMeta::new(LockName::Given("alternating"), LockKind::Mutex);
        // Two threads alternate holds of 25 ns (odd and even releases): both get measured.
        let mut now = 1_000_000;
        let mut by_parity = [0u64; 2];
        for i in 0..400_000u64 {
            now += 25 + i % 3;
            if meta.measure_this_release() {
                meta.adapt_sampling(now);
                meta.set_last_release(now);
                by_parity[(i % 2) as usize] += 1;
            }
        }
        let [even, odd] = by_parity;
        assert!(even.min(odd) * 3 > even.max(odd), "even {even}, odd {odd}");
    }
}
