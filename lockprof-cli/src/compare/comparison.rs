//! Two runs side by side: each lock class (name and kind) of either run, with its figures before
//! and after, and the same for each of its acquire sites. Classes are matched by name, as a
//! lock's id means nothing from one process to the next.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use lockprof::LockKind;

use super::figures::Figures;
use crate::{LockProfile, Part, Profile};

/// What a run was, in a comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Run {
    /// How long the run's trace covers, ns.
    pub duration_ns: u64,
    /// Events its writer dropped: its figures are lower bounds when not 0.
    pub dropped_events: u64,
}

/// One acquire site of a lock class in the two runs (`None`: not used in that run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteDiff {
    /// The site, `file:line` (untrusted: escape before display).
    pub site: String,
    /// Before.
    pub base: Option<Figures>,
    /// After.
    pub new: Option<Figures>,
}

/// One lock class in the two runs (`None`: not in that run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockDiff {
    /// The class's name (untrusted: escape before display).
    pub name: String,
    /// Mutex or RwLock.
    pub kind: LockKind,
    /// Before.
    pub base: Option<Figures>,
    /// After.
    pub new: Option<Figures>,
    /// Its acquire sites, in either run, most added wait first.
    pub sites: Vec<SiteDiff>,
}

/// Two runs compared: every lock class of either, most added wait first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// The run compared against.
    pub base: Run,
    /// The run compared.
    pub new: Run,
    /// The classes, most added wait first (ties by name).
    pub locks: Vec<LockDiff>,
}

impl Comparison {
    /// Compares `new` with `base`, each a profile of one run grouped into classes
    /// ([`Profile::group_classes`]).
    pub fn new(base: &Profile, new: &Profile) -> Comparison {
        let index = |p: &'_ Profile| -> BTreeMap<(String, LockKind), usize> {
            p.locks
                .iter()
                .enumerate()
                .map(|(i, l)| ((l.name.clone(), l.kind), i))
                .rev() // the first of a name wins, as it is listed first
                .collect()
        };
        let (base_locks, new_locks) = (index(base), index(new));
        let keys: BTreeSet<&(String, LockKind)> =
            base_locks.keys().chain(new_locks.keys()).collect();
        let mut locks: Vec<LockDiff> = keys
            .into_iter()
            .map(|key| {
                let b = base_locks.get(key).map(|&i| &base.locks[i]);
                let n = new_locks.get(key).map(|&i| &new.locks[i]);
                LockDiff {
                    name: key.0.clone(),
                    kind: key.1,
                    base: b.map(Figures::of_lock),
                    new: n.map(Figures::of_lock),
                    sites: sites(b, n),
                }
            })
            .collect();
        locks.sort_by_key(|l| (Reverse(added_wait(l.base, l.new)), l.name.clone()));
        let run = |p: &Profile| Run {
            duration_ns: p.duration_ns,
            dropped_events: p.dropped_events,
        };
        Comparison {
            base: run(base),
            new: run(new),
            locks,
        }
    }
}

/// How much more the waits total after than before (negative: less).
fn added_wait(base: Option<Figures>, new: Option<Figures>) -> i128 {
    let total = |f: Option<Figures>| f.map_or(0, |f| i128::from(f.wait.total));
    total(new) - total(base)
}

/// The acquire sites of a lock in either run, most added wait first.
fn sites(base: Option<&LockProfile>, new: Option<&LockProfile>) -> Vec<SiteDiff> {
    let (b, n) = (by_site(base), by_site(new));
    let names: BTreeSet<&String> = b.keys().chain(n.keys()).collect();
    let mut sites: Vec<SiteDiff> = names
        .into_iter()
        .map(|site| SiteDiff {
            site: site.clone(),
            base: b.get(site).copied(),
            new: n.get(site).copied(),
        })
        .collect();
    sites.sort_by_key(|s| (Reverse(added_wait(s.base, s.new)), s.site.clone()));
    sites
}

/// A lock's figures per acquire site, every mode together.
fn by_site(lock: Option<&LockProfile>) -> BTreeMap<String, Figures> {
    let mut parts: BTreeMap<String, Part> = BTreeMap::new();
    for p in lock.map_or(&[][..], |l| &l.parts) {
        parts.entry(p.site.clone()).or_default().add(&p.part);
    }
    parts
        .into_iter()
        .map(|(site, part)| (site, Figures::of_part(&part)))
        .collect()
}
