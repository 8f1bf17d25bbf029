//! The aggregate of one or more traces, and the selections commands make of it: order, `--lock`,
//! `--top` (and lock classes, in `class.rs`).

use super::{LockProfile, Timeline};
use crate::Error;

/// How [`Profile::sort`] orders locks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Total time waited, most first.
    #[default]
    Wait,
    /// Total blame (time others waited, charged to holders), most first.
    Blame,
    /// Total hold time (measured and estimated from samples), most first.
    Hold,
    /// Contended acquisitions, most first.
    Contended,
}

/// What one entry of [`Profile::locks`] stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grouping {
    /// One lock instance: what aggregation gives, titled with its id, as several may share a
    /// name.
    #[default]
    Instance,
    /// A lock class: every lock of one input with the same name and kind
    /// ([`Profile::group_classes`]).
    Class,
}

/// The aggregate of one or more traces.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Longest span of time one input covers: latest minus earliest event timestamp, ns.
    pub duration_ns: u64,
    /// Events the writers dropped (they fell behind, or their output failed); the numbers above
    /// miss them.
    pub dropped_events: u64,
    /// Number of inputs merged.
    pub inputs: usize,
    /// Whether any event carried a native stack (flamegraphs then show a `[no stack]` frame for
    /// the time without one, so totals stay whole).
    pub native_stacks: bool,
    /// Whether [`locks`](Self::locks) lists lock instances or lock classes.
    pub grouping: Grouping,
    /// Every lock (instance or class, as [`grouping`](Self::grouping) says) seen, in order of
    /// first appearance.
    pub locks: Vec<LockProfile>,
    /// The waits and holds recorded one by one, in time; empty unless loaded with
    /// [`LoadOptions::timeline`](crate::LoadOptions::timeline).
    pub timeline: Timeline,
}

impl Profile {
    /// Orders the locks by `key`, largest first; ties by name, then input and id.
    pub fn sort(&mut self, key: SortKey) {
        let metric = |l: &LockProfile| match key {
            SortKey::Wait => l.wait.total,
            SortKey::Blame => l.blame_ns,
            SortKey::Hold => l.hold.total,
            SortKey::Contended => l.contended,
        };
        self.locks.sort_by(|a, b| {
            metric(b)
                .cmp(&metric(a))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| (a.input, a.id).cmp(&(b.input, b.id)))
        });
    }

    /// Keeps only the locks named `name` (from every input).
    ///
    /// # Errors
    /// [`Error::UnknownLock`] when no lock has that name.
    pub fn retain_lock(&mut self, name: &str) -> Result<(), Error> {
        if !self.locks.iter().any(|l| l.name == name) {
            let mut known: Vec<&str> = self.locks.iter().map(|l| l.name.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(Error::UnknownLock {
                name: name.to_owned(),
                known: known.iter().map(|s| s.to_string()).collect(),
            });
        }
        self.locks.retain(|l| l.name == name);
        self.timeline.retain_lock(name);
        Ok(())
    }

    /// Keeps the first `n` locks.
    pub fn truncate(&mut self, n: usize) {
        self.locks.truncate(n);
    }
}
