//! One lock's totals and distributions while the inputs are read, or one lock class's (every
//! instance of one input with the same name and kind): what becomes its [`LockProfile`] apart
//! from the cells and pairs. Waits and holds are kept per acquire site and mode
//! ([`PartAccumulator`]); the lock's distributions are their sum.

use std::collections::HashMap;

use lockprof::LockKind;
use rustc_hash::FxBuildHasher;

use super::event::{InputIdx, SummaryCounts};
use super::intern::{Interner, Sym};
use super::part_accumulator::{PartAccumulator, PartKey, SummaryPart};
use crate::model::SummaryHist;
use crate::{Distribution, LockProfile, Pair, SitePart, StackCell};

/// Largest sampling weight believed: 1-in-4-billion sampling. Larger weights (corrupt or hostile
/// input) are clamped so histogram counts cannot overflow.
pub(crate) const MAX_WEIGHT: u64 = 1 << 32;

/// One lock's (or one class's) totals and distributions.
#[derive(Debug)]
pub(crate) struct LockAccumulator {
    input: InputIdx,
    /// The lowest id of its instances.
    id: u64,
    /// How many locks it stands for.
    instances: u64,
    name: Sym,
    kind: LockKind,
    acquisitions: u64,
    contended: u64,
    timeouts: u64,
    /// Waits, holds and their counts by (site, mode).
    parts: HashMap<PartKey, PartAccumulator, FxBuildHasher>,
    blame: Distribution,
    blame_ns: u64,
    holds_estimated: u64,
    blame_estimated_ns: u64,
    unattributed_ns: u64,
}

impl LockAccumulator {
    /// A lock with nothing recorded yet.
    pub(crate) fn new(input: InputIdx, id: u64, name: Sym, kind: LockKind) -> Self {
        LockAccumulator {
            input,
            id,
            instances: 1,
            name,
            kind,
            acquisitions: 0,
            contended: 0,
            timeouts: 0,
            parts: HashMap::default(),
            blame: Distribution::default(),
            blame_ns: 0,
            holds_estimated: 0,
            blame_estimated_ns: 0,
            unattributed_ns: 0,
        }
    }

    /// Its class: input, name and kind.
    pub(crate) fn class(&self) -> (InputIdx, Sym, LockKind) {
        (self.input, self.name, self.kind)
    }

    /// How many locks it stands for.
    pub(crate) fn instances(&self) -> u64 {
        self.instances
    }

    /// Another lock of its class, `id`, counts into it.
    pub(crate) fn add_instance(&mut self, id: u64) {
        self.id = self.id.min(id);
        self.instances = self.instances.saturating_add(1);
    }

    /// Renames the lock (a definition arrived after events that referred to it).
    pub(crate) fn define(&mut self, name: Sym, kind: LockKind) {
        self.name = name;
        self.kind = kind;
    }

    /// The part of the acquisitions at `key`'s site in its mode.
    #[inline]
    fn part(&mut self, key: PartKey) -> &mut PartAccumulator {
        self.parts.entry(key).or_default()
    }

    /// One wait of `wait_ns` at `key`, standing for `weight` (already clamped) waits.
    #[inline]
    pub(crate) fn wait(&mut self, key: PartKey, wait_ns: u64, weight: u64) {
        self.part(key).wait(wait_ns, weight);
    }

    /// One hold of `hold_ns` at `key` that made others wait `blame_ns`, standing for `weight`
    /// (already clamped) holds; `estimated` of them are an estimate.
    #[inline]
    pub(crate) fn hold(
        &mut self,
        key: PartKey,
        hold_ns: u64,
        blame_ns: u64,
        weight: u64,
        estimated: u64,
    ) {
        self.part(key).hold(hold_ns, blame_ns, weight, estimated);
        self.blame_ns = self.blame_ns.saturating_add(blame_ns);
        if blame_ns > 0 {
            self.blame.record_n(blame_ns, 1);
        }
        self.holds_estimated = self.holds_estimated.saturating_add(estimated);
    }

    /// A summary of the acquisitions at `key`: its counts and histograms; returns the part of
    /// its blame that is estimated (no more than its blame).
    pub(crate) fn summary(
        &mut self,
        key: PartKey,
        counts: &SummaryCounts,
        wait_hist: Option<SummaryHist<'_>>,
        hold_hist: Option<SummaryHist<'_>>,
    ) -> u64 {
        self.acquisitions = self.acquisitions.saturating_add(counts.acquisitions);
        self.contended = self.contended.saturating_add(counts.contended);
        self.timeouts = self.timeouts.saturating_add(counts.timeouts);
        self.blame_ns = self.blame_ns.saturating_add(counts.blame_ns);
        // A summary does not say which of its holds were sampled (weighted) and which stand for
        // themselves (long holds past the event budget), so all of them count as estimated.
        self.holds_estimated = self.holds_estimated.saturating_add(counts.holds);
        // No more of the blame can be estimated than there is (corrupt or hostile input).
        let blame_estimated_ns = counts.blame_estimated_ns.min(counts.blame_ns);
        self.blame_estimated_ns = self.blame_estimated_ns.saturating_add(blame_estimated_ns);
        // Per lock only: it is other threads' waiting, no cell's.
        self.unattributed_ns = self.unattributed_ns.saturating_add(counts.unattributed_ns);
        self.part(key).summary(SummaryPart {
            acquisitions: counts.acquisitions,
            contended: counts.contended,
            wait_ns: counts.wait_ns,
            wait_hist,
            holds: counts.holds,
            hold_ns: counts.hold_ns,
            hold_hist,
            blame_ns: counts.blame_ns,
            blame_estimated_ns,
        });
        blame_estimated_ns
    }

    /// The lock's profile, given its cells and pairs.
    pub(crate) fn finish(
        self,
        names: &Interner,
        stacks: Vec<StackCell>,
        pairs: Vec<Pair>,
    ) -> LockProfile {
        let mut parts: Vec<SitePart> = self
            .parts
            .into_iter()
            .map(|((site, mode), part)| SitePart {
                site: names.resolve(site).to_owned(),
                mode,
                part: part.finish(),
            })
            .collect();
        parts.sort_by(|a, b| a.key().cmp(&b.key()));
        let (mut wait, mut hold) = (Distribution::default(), Distribution::default());
        for p in &parts {
            wait.merge(&p.part.wait);
            hold.merge(&p.part.hold);
        }
        LockProfile {
            input: self.input as usize,
            id: self.id,
            instances: self.instances,
            name: names.resolve(self.name).to_owned(),
            kind: self.kind,
            acquisitions: self.acquisitions,
            contended: self.contended,
            timeouts: self.timeouts,
            wait,
            hold,
            blame: self.blame,
            blame_ns: self.blame_ns,
            holds_estimated: self.holds_estimated,
            blame_estimated_ns: self.blame_estimated_ns,
            unattributed_ns: self.unattributed_ns,
            stacks,
            pairs,
            parts,
        }
    }
}
