//! Per-lock bookkeeping that lives next to the raw lock: identity, current holder, adaptive timing
//! and the waiting integral ([`crate::integral`]) that makes blame exact.

use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering::Relaxed};

use crate::LockKind;
use crate::hold_mark::MarkSlot;
use crate::integral::WaitIntegral;
use crate::name::LockName;

static NEXT_LOCK_ID: AtomicU64 = AtomicU64::new(1);

/// Bookkeeping of one profiled lock, laid out for the cache (`repr(C)`).
///
/// The profiled locks are aligned to 128 bytes and start with this struct, followed by the raw
/// lock word and then the data. The first 64 bytes hold what is read-mostly or touched only by
/// slow paths; the second cache line starts with what every acquisition and release touches
/// (`waiting`, `holder`, `shift`, `hot`, the checkpoint), so the one line a contended hand-off
/// moves between cores carries those, the lock word and the start of the protected data, as
/// parking_lot's carries its lock word and data. (With the data on another line than the lock
/// word, a 4-thread hand-off workload ran at half the throughput, recording on or off.)
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
    /// When the sampling was last adapted (see `adapt_sampling`), in µs (it wraps after 71
    /// minutes; only differences under a second matter).
    last_adapted_us: AtomicU32,
    pub(crate) kind: LockKind,
    /// Who waited, for how long, and how much of it is charged to holders. Its last field, the
    /// waiter count and running sum, begins the second cache line.
    pub(crate) integral: WaitIntegral,
    /// lockprof thread id of the last thread to acquire the lock (0: none yet).
    pub(crate) holder: AtomicU64,
    /// A mark on the current hold (`HoldMark`; 0: none): a point during it, and W then, left
    /// by the first waiter that yields or parks during it in a storm, or by the unlock before it
    /// that woke a waiter, or by a waiter that finds it cannot be charged from a checkpoint. The
    /// release takes it, and if it is old, the hold has made a waiter wait long: it is measured,
    /// charged from the mark (see `acquire::release`). On the second line: waiters write it
    /// beside the lock word's parked bit, and the release reads it beside the lock word.
    pub(crate) hold_mark: MarkSlot,
    /// How sparsely a storm is sampled: one exclusive acquisition in `2^shift` (0: no storm; see
    /// `storm_shift`). Written only at measured releases and when a storm ends.
    shift: AtomicU16,
    /// Holds left to time exactly after a recent long wait (one at least the event threshold).
    pub(crate) hot: AtomicU16,
    /// Whether the waiting integral has been charged up to the start of the current hold or
    /// later, so that charging it at this hold's release gives this hold's own blame. Set by
    /// every measured release and by the start of every timed exclusive hold; lost by a storm's
    /// unmeasured release with waiters, whose waiting is then nobody's to take exactly. On the
    /// second line: the holder writes these at contended acquisitions and releases, when it has
    /// that line anyway. It holds while this equals `epoch`. (16 bits are enough: the epoch moves
    /// only from a valid checkpoint, so it cannot come round to an old one.)
    checkpoint: AtomicU16,
    /// Counts the releases that lost the checkpoint: an epoch rather than a flag, so that of two
    /// readers releasing at once, one measured and one not, the loss stands.
    epoch: AtomicU16,
}

/// Measured releases with waiters closer together than this make the lock sample more sparsely:
/// each lengthens a contended hand-off by a clock read and an atomic update, which in a storm
/// makes more threads collide (at 4 µs, 4 threads handing a lock back and forth ran at 0.72× of
/// parking_lot; at 25 µs, 0.81×).
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
            last_adapted_us: AtomicU32::new(0),
            hold_mark: MarkSlot::new(),
            checkpoint: AtomicU16::new(0),
            epoch: AtomicU16::new(0),
            blamed: AtomicU64::new(0),
        }
    }

    /// The sampling shift in a storm: one in `2^shift` exclusive acquisitions is sampled for
    /// its blame (0: no storm, every release with waiters is measured).
    #[inline]
    pub(crate) fn storm_shift(&self) -> u32 {
        u32::from(self.shift.load(Relaxed))
    }

    /// At the release of a storm's sample, or of any hold measured for its waiters outside a
    /// storm, at `now`: adapts the sampling to how soon this one came after the previous one.
    /// Less than `MEASURE_GAP_NS` apart doubles the interval, more than four gaps apart halves
    /// it. So a storm's samples settle at one per one to four `MEASURE_GAP_NS`, however short
    /// its holds, and releases with waiters that come slower are all measured. (Releases
    /// measured because a waiter parked do not count: they are measured whatever the rate. The
    /// gap may include spells without waiters, so it cannot tell how long the holds in between
    /// were; `note_waiter` ends a storm that has turned into long holds.)
    pub(crate) fn adapt_sampling(&self, now: u64) {
        let now_us = (now / 1_000) as u32;
        let gap =
            u64::from(now_us.wrapping_sub(self.last_adapted_us.swap(now_us, Relaxed))) * 1_000;
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
    /// the storm is over (or holds became long), so the release it waits for is measured.
    pub(crate) fn note_waiter(&self, start: u64) {
        if start.saturating_sub(self.last_release()) >= QUIET_NS {
            self.shift.store(0, Relaxed);
        }
    }

    /// A release with waiters that is not measured (a storm's): the next hold's blame can no
    /// longer be told apart from this one's until a new checkpoint.
    #[inline]
    pub(crate) fn lose_checkpoint(&self) {
        let epoch = self.epoch.load(Relaxed);
        if self.checkpoint.load(Relaxed) == epoch {
            // Readers may release at once: either's store invalidates, so no read-modify-write.
            self.epoch.store(epoch.wrapping_add(1), Relaxed);
        }
    }

    /// Whether charging the integral now gives the current hold's own blame (see `checkpoint`).
    #[inline]
    pub(crate) fn has_checkpoint(&self) -> bool {
        self.checkpoint.load(Relaxed) == self.epoch.load(Relaxed)
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
    }

    /// Notes that the integral has just been charged by the current hold: until the next
    /// unmeasured release with waiters, a charge is the charging hold's own.
    #[inline]
    pub(crate) fn set_checkpoint(&self) {
        self.checkpoint.store(self.epoch.load(Relaxed), Relaxed);
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

    /// Whether the lock, in a storm or not, measures this hold's release (`acquire`'s rule for
    /// holds that park no waiter): every one outside a storm, its samples in one.
    fn sampled(meta: &LockMeta) -> bool {
        let shift = meta.storm_shift();
        shift == 0 || crate::thread::storm_sample_due(shift) != 0
    }

    fn in_storm(meta: &LockMeta) -> bool {
        meta.storm_shift() != 0
    }

    #[test]
    fn the_busiest_fields_begin_the_second_line() {
        // `WaitIntegral` is three words, `waiting` the last; the line goes on with the others
        // and the raw lock word after this struct.
        assert_eq!(std::mem::offset_of!(LockMeta, integral) + 16, 64);
        assert!(size_of::<LockMeta>() <= 96);
    }

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
            if sampled(meta) {
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
        assert!(in_storm(&meta));
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
        assert!(!in_storm(&meta));
        let (measured, _) = releases(&meta, now, slow, 100);
        assert_eq!(measured, 100);
    }

    #[test]
    fn choosing_which_release_to_measure_writes_nothing_to_the_lock() {
        let meta = LockMeta::new(LockName::Given("choice"), LockKind::Mutex);
        meta.shift.store(4, Relaxed);
        let measured = (0..16_000).filter(|_| sampled(&meta)).count();
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
        while !sampled(&sparse) {}
        // The dense lock still measures one of its releases in [2, 6) (plus the restart).
        let first = (1..=8).find(|_| sampled(&dense));
        assert!(first.is_some(), "none of 8 releases measured");
    }

    #[test]
    fn a_waiter_after_a_quiet_spell_ends_the_storm() {
        let meta = LockMeta::new(LockName::Given("quiet"), LockKind::Mutex);
        let (_, now) = releases(&meta, 1_000_000, 25, 100_000);
        assert!(in_storm(&meta));
        // A waiter arriving soon after is part of the same storm...
        meta.note_waiter(now + 10_000);
        assert!(in_storm(&meta));
        // ...one arriving after the quiet spell is not: the release it waits for is measured.
        meta.note_waiter(now + QUIET_NS);
        assert!(!in_storm(&meta));
        assert!(sampled(&meta));
    }

    #[test]
    fn a_waiters_mark_passes_over_a_storms_uncharged_waiting() {
        let meta = LockMeta::new(LockName::Given("mark"), LockKind::Mutex);
        // A storm's waiter, and an unmeasured release while it waits: 4 µs nobody takes exactly.
        let storm = meta.integral.begin_wait(1_000);
        meta.lose_checkpoint();
        assert!(!meta.has_checkpoint());
        meta.integral.end_wait(storm, 5_000);
        // A long hold begins at 5 000; a waiter arrives at 6 000 and parks at 7 000.
        let parked = meta.integral.begin_wait(6_000);
        meta.hold_mark.mark(&meta.integral, || 7_000);
        // A second waiter leaves the first one's mark.
        meta.hold_mark.mark(&meta.integral, || 8_000);
        assert!(meta.hold_mark.is_set());
        let mark = meta.hold_mark.take().expect("a waiter parked");
        assert!(!meta.hold_mark.is_set());
        assert!(!mark.is_old(7_000 + 19_999));
        assert!(mark.is_old(2_007_000));
        // The release at 2 007 000 is charged from the mark: the hold's own blame but for the
        // waiter's 1 µs before parking; the storm's 4 µs and that 1 µs are passed over.
        assert_eq!(
            meta.integral.charge_hold(mark.integral(), 2_007_000),
            (2_000_000, 4_000 + 1_000)
        );
        meta.integral.end_wait(parked, 2_007_000);
    }

    #[test]
    fn sampled_releases_do_not_alias_with_alternating_holders() {
        let meta = LockMeta::new(LockName::Given("alternating"), LockKind::Mutex);
        // Two threads alternate holds of 25 ns (odd and even releases): both get measured.
        let mut now = 1_000_000;
        let mut by_parity = [0u64; 2];
        for i in 0..400_000u64 {
            now += 25 + i % 3;
            if sampled(&meta) {
                meta.adapt_sampling(now);
                meta.set_last_release(now);
                by_parity[(i % 2) as usize] += 1;
            }
        }
        let [even, odd] = by_parity;
        assert!(even.min(odd) * 3 > even.max(odd), "even {even}, odd {odd}");
    }
}
