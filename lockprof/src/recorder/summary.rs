//! What a thread's waits and holds add up to per (lock, site) between two flushes: exact counts,
//! totals, and histograms of the waits and holds that are not events of their own. Taken as one
//! summary event per active key, about once per `config::FLUSH_INTERVAL_NS`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::histogram::SummaryHistogram;
use super::subject::OwnedSubject;
use crate::LockKind;
use crate::emit::{self, SummaryFields};
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::stacks::{self, StackId};
use crate::task::Task;
use crate::thread::{self, SiteKey};

/// A lock id and an acquire site (with its mode).
pub(super) type Key = (u64, SiteKey);

/// Summaries taken at a flush, ready to emit.
pub(super) type Summaries = Vec<(OwnedSubject, SummaryFields)>;

/// One thread's statistics, per (lock, site), and per task for the async locks' waits and
/// holds. The tasks' are a map of their own so that the sync locks' lookups stay those of a
/// (lock, site) key: a wider key made every recorded wait about 180 instructions dearer
/// (`scripts/instructions.py`).
#[derive(Debug)]
pub(super) struct Stats {
    by_site: HashMap<Key, SiteStats, BuildHasherDefault<KeyHasher>>,
    by_task: HashMap<(Key, Task), SiteStats, BuildHasherDefault<KeyHasher>>,
}

impl Stats {
    pub(super) fn new() -> Stats {
        Stats {
            by_site: HashMap::with_hasher(BuildHasherDefault::new()),
            by_task: HashMap::with_hasher(BuildHasherDefault::new()),
        }
    }

    /// The statistics of (`meta`, `site`) for `task`, made if it has none.
    #[inline(always)]
    pub(super) fn entry(&mut self, meta: &LockMeta, site: SiteKey, task: Task) -> &mut SiteStats {
        let key = (meta.id(), site);
        let new = || SiteStats::new(meta.name, meta.kind);
        match task {
            Task::None => self.by_site.entry(key).or_insert_with(new),
            task => self.by_task.entry((key, task)).or_insert_with(new),
        }
    }

    /// Adds `count` acquisitions to `key`, if it has statistics (a key without had its slot
    /// taken by another before anything else of it was recorded, and is forgotten). The fast
    /// path's counts know no task.
    #[inline]
    pub(super) fn add_acquisitions(&mut self, key: Key, count: u64) {
        if let Some(stats) = self.by_site.get_mut(&key) {
            stats.acquisitions += count;
        }
    }

    /// A summary of every key active since the last one, taken at `now` (none if no subscriber
    /// wants them). Forgets the idle keys, except those in `counting` (keys the fast path's
    /// counter slots count into, which need their statistics even idle).
    pub(super) fn take_summaries(&mut self, now: u64, counting: &[Key]) -> Summaries {
        let wanted = emit::wanted();
        let mut out = Vec::new();
        self.by_site.retain(|&key, s| {
            // Quiet since the last flush: forget it, unless a counter slot still counts into it
            // (a new acquisition of a forgotten key claims a slot, which re-creates it).
            s.summarise(now, key, Task::None, wanted.then_some(&mut out)) || counting.contains(&key)
        });
        self.by_task
            .retain(|&(key, task), s| s.summarise(now, key, task, wanted.then_some(&mut out)));
        out
    }
}

/// A multiply-rotate hasher for the recorder's small integer keys: SipHash's DoS resistance buys
/// nothing for lock ids and code addresses, and costs on every contended acquisition.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// What one (lock, site) added up to since the last summary.
#[derive(Debug)]
pub(super) struct SiteStats {
    lock: LockName,
    kind: LockKind,
    acquisitions: u64,
    contended: u64,
    timeouts: u64,
    waits: u64,
    wait_ns: u64,
    wait_hist: SummaryHistogram,
    holds: u64,
    hold_ns: u64,
    hold_hist: SummaryHistogram,
    blame_ns: u64,
    /// The part of `blame_ns` that is estimated.
    blame_estimated_ns: u64,
    /// Waiting on the lock, by any thread, that this thread passed over without charging it to a
    /// hold: a hand-off between two holds (no hold's doing), or in a storm the waiting during
    /// holds whose releases went unmeasured (which the samples estimate).
    unattributed_ns: u64,
    /// The stack of one of the waits in `wait_ns`, drawn in proportion to their lengths (see
    /// [`drawn`]; 0: none).
    wait_stack: StackId,
    /// The stack of one of the holds in `blame_ns`, drawn in proportion to their blame.
    blame_stack: StackId,
    /// Stacks captured for the two draws since the last summary (at most [`MAX_DRAWS`]).
    draws: u32,
}

impl SiteStats {
    fn new(lock: LockName, kind: LockKind) -> SiteStats {
        SiteStats {
            lock,
            kind,
            acquisitions: 0,
            contended: 0,
            timeouts: 0,
            waits: 0,
            wait_ns: 0,
            wait_hist: SummaryHistogram::default(),
            holds: 0,
            hold_ns: 0,
            hold_hist: SummaryHistogram::default(),
            blame_ns: 0,
            blame_estimated_ns: 0,
            unattributed_ns: 0,
            wait_stack: 0,
            blame_stack: 0,
            draws: 0,
        }
    }

    /// A wait that ended: with the lock acquired, which counts the acquisition (rather than the
    /// fast path's slot: it took no part in the hold sampling, and the statistics are at hand),
    /// or timed out. `unattributed_ns` of it no hold is charged.
    #[inline(always)]
    pub(super) fn count_wait(&mut self, timed_out: bool, unattributed_ns: u64) {
        if timed_out {
            self.timeouts += 1;
        } else {
            self.acquisitions += 1;
            self.contended += 1;
        }
        self.unattributed_ns += unattributed_ns;
    }

    /// A wait of `wait_ns` that is not an event of its own; `stack` is its stack if it has one,
    /// and `may_capture` says whether one may be captured now (the lock released: a guard is
    /// almost always released in the function that took it, so the stack is the wait's).
    #[inline(always)]
    pub(super) fn add_wait(&mut self, wait_ns: u64, stack: StackId, may_capture: bool) {
        self.waits += 1;
        self.wait_ns += wait_ns;
        self.wait_hist.record(wait_ns, 1);
        if drawn(wait_ns, self.wait_ns) {
            self.wait_stack = self.draw_stack(stack, may_capture, self.wait_stack);
        }
    }

    /// Waiting charged to no hold event: blame estimated for holds a storm's sample stands for,
    /// and waiting passed over.
    #[inline(always)]
    pub(super) fn add_estimates(&mut self, blame_estimated_ns: u64, unattributed_ns: u64) {
        self.blame_ns += blame_estimated_ns;
        self.blame_estimated_ns += blame_estimated_ns;
        self.unattributed_ns += unattributed_ns;
    }

    /// The blame of a hold that is not an event of its own, whose `blame_extra_ns` more were
    /// added as estimates; `stack` is the hold's if it has one, and `may_capture` says whether
    /// one may be captured now (not while a condition variable's wait parks).
    #[inline(always)]
    pub(super) fn add_blame(
        &mut self,
        blame_ns: u64,
        blame_extra_ns: u64,
        stack: StackId,
        may_capture: bool,
    ) {
        self.blame_ns += blame_ns;
        let weight = blame_ns + blame_extra_ns;
        if weight > 0 && drawn(weight, self.blame_ns) {
            self.blame_stack = self.draw_stack(stack, may_capture, self.blame_stack);
        }
    }

    /// The stack a draw keeps: `known` if the wait or hold has one, else a capture now while the
    /// summary's captures last, else `kept` (the earlier draw stands).
    #[cold]
    #[inline(never)]
    fn draw_stack(&mut self, known: StackId, may_capture: bool, kept: StackId) -> StackId {
        if known != 0 {
            return known;
        }
        if !may_capture || self.draws >= MAX_DRAWS {
            return kept;
        }
        self.draws += 1;
        match stacks::capture_drawn() {
            0 => kept,
            stack => stack,
        }
    }

    /// A hold of `hold_ns` standing for `weight` holds, in the totals and the histogram.
    #[inline(always)]
    pub(super) fn add_hold(&mut self, hold_ns: u64, weight: u64) {
        self.holds += weight;
        self.hold_ns += hold_ns * weight;
        self.hold_hist.record(hold_ns, weight);
    }

    fn is_idle(&self) -> bool {
        self.acquisitions == 0
            && self.contended == 0
            && self.timeouts == 0
            && self.waits == 0
            && self.holds == 0
            && self.blame_ns == 0
            && self.unattributed_ns == 0
    }

    /// Takes the summary of `key` and `task` into `out` (when a subscriber wants it), unless
    /// nothing happened since the last one; returns whether something did.
    fn summarise(&mut self, now: u64, key: Key, task: Task, out: Option<&mut Summaries>) -> bool {
        if self.is_idle() {
            return false;
        }
        let fields = self.take_summary(now);
        if let Some(out) = out {
            let (lock_id, site) = key;
            let subject = OwnedSubject {
                lock: self.lock,
                lock_id,
                kind: self.kind,
                site,
                task,
            };
            out.push((subject, fields));
        }
        true
    }

    fn take_summary(&mut self, at_ns: u64) -> SummaryFields {
        let fields = SummaryFields {
            at_ns,
            acquisitions: self.acquisitions,
            contended: self.contended,
            timeouts: self.timeouts,
            waits: self.waits,
            wait_ns: self.wait_ns,
            wait_hist: self.wait_hist.take_encoded(),
            holds: self.holds,
            hold_ns: self.hold_ns,
            hold_hist: self.hold_hist.take_encoded(),
            blame_ns: self.blame_ns,
            blame_estimated_ns: self.blame_estimated_ns,
            unattributed_ns: self.unattributed_ns,
            wait_stack: self.wait_stack,
            blame_stack: self.blame_stack,
        };
        let (lock, kind) = (self.lock, self.kind);
        let (wait_hist, hold_hist) = (
            std::mem::take(&mut self.wait_hist),
            std::mem::take(&mut self.hold_hist),
        );
        // The histograms, emptied, keep their allocations.
        *self = SiteStats {
            wait_hist,
            hold_hist,
            ..SiteStats::new(lock, kind)
        };
        fields
    }
}

/// Whether an item of weight `weight`, the last of a running total `total` (itself included),
/// replaces the one kept so far: a weighted reservoir of one, so that each item ends up kept with
/// a chance in proportion to its weight, and the kept one is replaced about ln(n) times for n
/// items of similar weights (a few stack captures a second where thousands of waits go by).
#[inline(always)]
fn drawn(weight: u64, total: u64) -> bool {
    total != 0 && (u128::from(thread::random()) * u128::from(total)) >> 32 < u128::from(weight)
}

/// Stack captures a summary's draws may take (outside the stack budget): about 2 ln(n) are
/// expected for n waits and holds, so this bounds the cost without biasing the draw but for a
/// summary of billions.
const MAX_DRAWS: u32 = 64;
