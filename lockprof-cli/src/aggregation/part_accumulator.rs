//! One (acquire site, mode) of a lock while the inputs are read: what becomes a
//! [`SitePart`](crate::SitePart). The lock's own wait and hold distributions are the sum of its
//! parts, made once at the end, so that splitting them by site and mode costs no second histogram
//! per lock.

use lockprof::Mode;

use super::intern::Sym;
use crate::model::{Distribution, Part, SummaryHist};

/// Which part of a lock: the acquire site and the mode.
pub(crate) type PartKey = (Sym, Mode);

/// Largest count a summary histogram may carry; one claiming more is corrupt and only its exact
/// totals are used.
const MAX_SUMMARY_COUNT: u64 = 1 << 40;

/// The figures of one site and mode of a lock, under construction.
#[derive(Debug, Default)]
pub(crate) struct PartAccumulator {
    acquisitions: u64,
    contended: u64,
    wait: Distribution,
    hold: Distribution,
    holds_estimated: u64,
    blame_ns: u64,
    blame_estimated_ns: u64,
}

impl PartAccumulator {
    /// One wait of `wait_ns`, standing for `weight` (already clamped) waits.
    #[inline]
    pub(crate) fn wait(&mut self, wait_ns: u64, weight: u64) {
        self.wait.record_n(wait_ns, weight);
    }

    /// One hold of `hold_ns` that made others wait `blame_ns`, standing for `weight` (already
    /// clamped) holds; `estimated` of them are an estimate.
    #[inline]
    pub(crate) fn hold(&mut self, hold_ns: u64, blame_ns: u64, weight: u64, estimated: u64) {
        self.hold.record_n(hold_ns, weight);
        self.blame_ns = self.blame_ns.saturating_add(blame_ns);
        self.holds_estimated = self.holds_estimated.saturating_add(estimated);
    }

    /// A summary's counts (acquisitions, contended, weighted holds, blame and its estimated part)
    /// and its histograms of short waits and holds, which sum to `wait_ns` and `hold_ns`.
    pub(crate) fn summary(&mut self, counts: SummaryPart<'_>) {
        self.acquisitions = self.acquisitions.saturating_add(counts.acquisitions);
        self.contended = self.contended.saturating_add(counts.contended);
        let believable = |h: &SummaryHist<'_>| h.len() <= MAX_SUMMARY_COUNT;
        match counts.wait_hist.filter(believable) {
            Some(h) => self.wait.merge_histogram(h, counts.wait_ns),
            None => self.wait.add_total(counts.wait_ns),
        }
        match counts.hold_hist.filter(believable) {
            Some(h) => self.hold.merge_histogram(h, counts.hold_ns),
            None => self.hold.add_total(counts.hold_ns),
        }
        self.holds_estimated = self.holds_estimated.saturating_add(counts.holds);
        self.blame_ns = self.blame_ns.saturating_add(counts.blame_ns);
        self.blame_estimated_ns = self
            .blame_estimated_ns
            .saturating_add(counts.blame_estimated_ns);
    }

    /// The part's figures.
    pub(crate) fn finish(self) -> Part {
        Part {
            acquisitions: self.acquisitions,
            contended: self.contended,
            wait: self.wait,
            hold: self.hold,
            holds_estimated: self.holds_estimated,
            blame_ns: self.blame_ns,
            blame_estimated_ns: self.blame_estimated_ns,
        }
    }
}

/// What a summary adds to a part.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SummaryPart<'h> {
    pub(crate) acquisitions: u64,
    pub(crate) contended: u64,
    pub(crate) wait_ns: u64,
    pub(crate) wait_hist: Option<SummaryHist<'h>>,
    pub(crate) holds: u64,
    pub(crate) hold_ns: u64,
    pub(crate) hold_hist: Option<SummaryHist<'h>>,
    pub(crate) blame_ns: u64,
    /// Already capped at `blame_ns`.
    pub(crate) blame_estimated_ns: u64,
}
