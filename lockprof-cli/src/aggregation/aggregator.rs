//! Streaming aggregation: events in, per-lock totals, histograms and (thread, spans, site) cells
//! out. Memory grows with the number of distinct locks, threads, sites and span stacks, never with
//! the number of events; every event costs a few integer-keyed hash lookups and no allocation.

use std::collections::HashMap;

use hdrhistogram::Histogram;
use lockprof::LockKind;
use rustc_hash::FxBuildHasher;

use crate::dist_builder::DistributionBuilder;
use crate::intern::{Interner, StackId, StackInterner, Sym};
use crate::model::{Cell, LockProfile, Pair, Profile, StackCell};
use crate::stacks::{NativeId, NativeStacks};

/// Largest sampling weight believed: 1-in-4-billion sampling. Larger weights (corrupt or hostile
/// input) are clamped so histogram counts cannot overflow.
pub const MAX_WEIGHT: u64 = 1 << 32;

/// Largest count a summary histogram may carry; one claiming more is corrupt and only its exact
/// totals are used.
pub const MAX_SUMMARY_COUNT: u64 = 1 << 40;

/// Index of a lock in [`Aggregator`].
pub(crate) type LockIdx = u32;

/// Where an event happened: which lock, thread, acquire site and span stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CellKey {
    pub(crate) lock: LockIdx,
    pub(crate) thread: Sym,
    pub(crate) site: Sym,
    pub(crate) stack: StackId,
    /// The thread's native stack (where it waited, or held).
    pub(crate) native: NativeId,
}

/// The exact counts of a summary event (its histograms travel separately).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SummaryCounts {
    pub(crate) acquisitions: u64,
    pub(crate) contended: u64,
    pub(crate) timeouts: u64,
    pub(crate) waits: u64,
    pub(crate) wait_ns: u64,
    pub(crate) holds: u64,
    pub(crate) hold_ns: u64,
    pub(crate) blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    pub(crate) blame_estimated_ns: u64,
    /// Waiting on the lock charged to no hold exactly.
    pub(crate) unattributed_ns: u64,
    /// Where the summary's waits are shown: the stack of one of them, drawn in proportion to
    /// their lengths (`stacks::NO_STACK` when the summary has none).
    pub(crate) wait_native: NativeId,
    /// Where its holds and blame are shown, likewise.
    pub(crate) blame_native: NativeId,
}

#[derive(Debug)]
struct LockAcc {
    input: u32,
    id: u64,
    name: Sym,
    kind: LockKind,
    acquisitions: u64,
    contended: u64,
    timeouts: u64,
    wait: DistributionBuilder,
    hold: DistributionBuilder,
    blame: DistributionBuilder,
    blame_ns: u64,
    holds_estimated: u64,
    blame_estimated_ns: u64,
    unattributed_ns: u64,
}

/// Earliest and latest timestamp seen in one input.
#[derive(Clone, Copy, Debug)]
struct TimeSpan {
    min: u64,
    max: u64,
}

impl Default for TimeSpan {
    fn default() -> Self {
        TimeSpan {
            min: u64::MAX,
            max: 0,
        }
    }
}

/// Accumulates the events of one or more inputs into a [`Profile`].
///
/// Feed it through [`Aggregator::native`] (records of a native trace) or
/// [`Aggregator::json_lines`] (lines written by `tracing_subscriber::fmt().json()`); each call
/// starts a new input whose lock, thread and string ids are its own.
#[derive(Debug, Default)]
pub struct Aggregator {
    pub(crate) names: Interner,
    pub(crate) stacks: StackInterner,
    pub(crate) native: NativeStacks,
    locks: Vec<LockAcc>,
    cells: HashMap<CellKey, Cell, FxBuildHasher>,
    spans: Vec<TimeSpan>,
    dropped: u64,
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a new input; returns its index.
    pub(crate) fn begin_input(&mut self) -> u32 {
        self.spans.push(TimeSpan::default());
        u32::try_from(self.spans.len() - 1).unwrap_or(u32::MAX)
    }

    /// Number of inputs begun so far.
    pub fn inputs(&self) -> usize {
        self.spans.len()
    }

    /// Adds a new lock of `input`.
    pub(crate) fn add_lock(&mut self, input: u32, id: u64, name: Sym, kind: LockKind) -> LockIdx {
        self.locks.push(LockAcc {
            input,
            id,
            name,
            kind,
            acquisitions: 0,
            contended: 0,
            timeouts: 0,
            wait: DistributionBuilder::default(),
            hold: DistributionBuilder::default(),
            blame: DistributionBuilder::default(),
            blame_ns: 0,
            holds_estimated: 0,
            blame_estimated_ns: 0,
            unattributed_ns: 0,
        });
        LockIdx::try_from(self.locks.len() - 1).unwrap_or(LockIdx::MAX)
    }

    /// Renames a lock (a definition arrived after events that referred to it).
    pub(crate) fn define_lock(&mut self, lock: LockIdx, name: Sym, kind: LockKind) {
        if let Some(acc) = self.locks.get_mut(lock as usize) {
            acc.name = name;
            acc.kind = kind;
        }
    }

    /// Notes a timestamp of `input`, for the profile's duration.
    #[inline]
    pub(crate) fn saw(&mut self, input: u32, at_ns: u64) {
        if let Some(span) = self.spans.get_mut(input as usize) {
            span.min = span.min.min(at_ns);
            span.max = span.max.max(at_ns);
        }
    }

    /// One wait of `wait_ns`, standing for `weight` waits.
    #[inline]
    pub(crate) fn wait(&mut self, key: CellKey, wait_ns: u64, weight: u64) {
        let weight = weight.clamp(1, MAX_WEIGHT);
        let Some(acc) = self.locks.get_mut(key.lock as usize) else {
            return;
        };
        acc.wait.record_n(wait_ns, weight);
        let cell = self.cells.entry(key).or_default();
        cell.waits = cell.waits.saturating_add(weight);
        cell.wait_ns = cell.wait_ns.saturating_add(wait_ns.saturating_mul(weight));
    }

    /// One hold of `hold_ns` that made others wait `blame_ns`, standing for `weight` holds.
    #[inline]
    pub(crate) fn hold(&mut self, key: CellKey, hold_ns: u64, blame_ns: u64, weight: u64) {
        let weight = weight.clamp(1, MAX_WEIGHT);
        let Some(acc) = self.locks.get_mut(key.lock as usize) else {
            return;
        };
        acc.hold.record_n(hold_ns, weight);
        acc.blame_ns = acc.blame_ns.saturating_add(blame_ns);
        if blame_ns > 0 {
            acc.blame.record_n(blame_ns, 1);
        }
        // A sampled hold stands for `weight` holds: all but itself are an estimate, and counting
        // the sample itself as estimated too keeps "estimated" one figure per weighted hold.
        let estimated = if weight > 1 { weight } else { 0 };
        acc.holds_estimated = acc.holds_estimated.saturating_add(estimated);
        let cell = self.cells.entry(key).or_default();
        cell.holds = cell.holds.saturating_add(weight);
        cell.holds_estimated = cell.holds_estimated.saturating_add(estimated);
        cell.hold_ns = cell.hold_ns.saturating_add(hold_ns.saturating_mul(weight));
        cell.blame_ns = cell.blame_ns.saturating_add(blame_ns);
    }

    /// A summary: exact counts plus the histograms of the short waits and holds.
    pub(crate) fn summary(
        &mut self,
        key: CellKey,
        counts: &SummaryCounts,
        wait_hist: Option<&Histogram<u64>>,
        hold_hist: Option<&Histogram<u64>>,
    ) {
        let Some(acc) = self.locks.get_mut(key.lock as usize) else {
            return;
        };
        acc.acquisitions = acc.acquisitions.saturating_add(counts.acquisitions);
        acc.contended = acc.contended.saturating_add(counts.contended);
        acc.timeouts = acc.timeouts.saturating_add(counts.timeouts);
        let believable = |h: &&Histogram<u64>| h.len() <= MAX_SUMMARY_COUNT;
        match wait_hist.filter(believable) {
            Some(h) => acc.wait.merge(h, counts.wait_ns),
            None => acc.wait.add_total(counts.wait_ns),
        }
        match hold_hist.filter(believable) {
            Some(h) => acc.hold.merge(h, counts.hold_ns),
            None => acc.hold.add_total(counts.hold_ns),
        }
        acc.blame_ns = acc.blame_ns.saturating_add(counts.blame_ns);
        // A summary does not say which of its holds were sampled (weighted) and which stand for
        // themselves (long holds past the event budget), so all of them count as estimated.
        acc.holds_estimated = acc.holds_estimated.saturating_add(counts.holds);
        // No more of the blame can be estimated than there is (corrupt or hostile input).
        let blame_estimated_ns = counts.blame_estimated_ns.min(counts.blame_ns);
        acc.blame_estimated_ns = acc.blame_estimated_ns.saturating_add(blame_estimated_ns);
        // Per lock only: it is other threads' waiting, no cell's.
        acc.unattributed_ns = acc.unattributed_ns.saturating_add(counts.unattributed_ns);
        // The waits under the stack drawn from them, the holds under theirs: each an unbiased
        // draw, so over many summaries each stack gets its share of the time.
        let waits = Cell {
            waits: counts.waits,
            wait_ns: counts.wait_ns,
            ..Cell::default()
        };
        let holds = Cell {
            holds: counts.holds,
            holds_estimated: counts.holds,
            hold_ns: counts.hold_ns,
            blame_ns: counts.blame_ns,
            blame_estimated_ns,
            ..Cell::default()
        };
        for (native, part) in [(counts.wait_native, waits), (counts.blame_native, holds)] {
            self.native.saw(native);
            self.cells
                .entry(CellKey { native, ..key })
                .or_default()
                .add(&part);
        }
    }

    /// `count` events were dropped by a writer.
    pub(crate) fn dropped(&mut self, count: u64) {
        self.dropped = self.dropped.saturating_add(count);
    }

    /// The aggregate of everything fed so far.
    pub fn finish(self) -> Profile {
        let Aggregator {
            names,
            stacks,
            mut native,
            locks,
            cells,
            spans,
            dropped,
        } = self;
        let mut per_lock: Vec<Vec<StackCell>> = locks.iter().map(|_| Vec::new()).collect();
        for (key, cell) in cells {
            if let Some(list) = per_lock.get_mut(key.lock as usize) {
                list.push(StackCell {
                    thread: names.resolve(key.thread).to_owned(),
                    spans: stacks
                        .resolve(key.stack)
                        .iter()
                        .map(|&s| names.resolve(s).to_owned())
                        .collect(),
                    frames: native.frames(key.native, &names),
                    site: names.resolve(key.site).to_owned(),
                    cell,
                });
            }
        }
        let mut raw_pairs = native.finish_pairs();
        let locks = locks
            .into_iter()
            .zip(per_lock)
            .enumerate()
            .map(|(i, (acc, mut stacks))| {
                stacks.sort_by(|a, b| {
                    (&a.thread, &a.spans, &a.frames, &a.site)
                        .cmp(&(&b.thread, &b.spans, &b.frames, &b.site))
                });
                let raw = LockIdx::try_from(i)
                    .ok()
                    .and_then(|i| raw_pairs.remove(&i))
                    .unwrap_or_default();
                let mut pairs: Vec<Pair> = raw
                    .into_iter()
                    .map(|p| Pair {
                        waiter_thread: names.resolve(p.waiter).to_owned(),
                        waiter_frames: native.frames(p.waiter_stack, &names),
                        holder_thread: names.resolve(p.holder).to_owned(),
                        holder_frames: native.frames(p.holder_stack, &names),
                        waits: p.waits,
                        wait_ns: p.wait_ns,
                    })
                    .collect();
                pairs.sort_by(|a, b| {
                    b.wait_ns.cmp(&a.wait_ns).then_with(|| {
                        (
                            &a.waiter_thread,
                            &a.waiter_frames,
                            &a.holder_thread,
                            &a.holder_frames,
                        )
                            .cmp(&(
                                &b.waiter_thread,
                                &b.waiter_frames,
                                &b.holder_thread,
                                &b.holder_frames,
                            ))
                    })
                });
                LockProfile {
                    input: acc.input as usize,
                    id: acc.id,
                    name: names.resolve(acc.name).to_owned(),
                    kind: acc.kind,
                    acquisitions: acc.acquisitions,
                    contended: acc.contended,
                    timeouts: acc.timeouts,
                    wait: acc.wait.finish(),
                    hold: acc.hold.finish(),
                    blame: acc.blame.finish(),
                    blame_ns: acc.blame_ns,
                    holds_estimated: acc.holds_estimated,
                    blame_estimated_ns: acc.blame_estimated_ns,
                    unattributed_ns: acc.unattributed_ns,
                    stacks,
                    pairs,
                }
            })
            .collect();
        Profile {
            duration_ns: spans
                .iter()
                .filter(|s| s.min <= s.max)
                .map(|s| s.max - s.min)
                .max()
                .unwrap_or(0),
            dropped_events: dropped,
            inputs: spans.len(),
            native_stacks: native.any(),
            locks,
        }
    }
}
