//! What a comparison compares: the figures of one lock class, or of one acquire site of it, and
//! each figure by name ([`Figure`]), as `--fail-on` and the JSON diff name them.

use std::fmt;

use crate::{LockProfile, Part, Stats};

/// The figures of one lock, or of one acquire site of a lock, in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Exact number of acquisitions.
    pub acquisitions: u64,
    /// Exact number of contended acquisitions.
    pub contended: u64,
    /// The waits.
    pub wait: Stats,
    /// The holds (including those estimated from sampled holds).
    pub hold: Stats,
    /// Nanoseconds others waited during the holds.
    pub blame_ns: u64,
}

impl Figures {
    /// The figures of a whole lock.
    pub fn of_lock(lock: &LockProfile) -> Figures {
        Figures {
            acquisitions: lock.acquisitions,
            contended: lock.contended,
            wait: lock.wait.stats(),
            hold: lock.hold.stats(),
            blame_ns: lock.blame_ns,
        }
    }

    /// The figures of a part of a lock (an acquire site).
    pub fn of_part(part: &Part) -> Figures {
        Figures {
            acquisitions: part.acquisitions,
            contended: part.contended,
            wait: part.wait.stats(),
            hold: part.hold.stats(),
            blame_ns: part.blame_ns,
        }
    }

    /// Contended acquisitions as a percentage of all acquisitions (0 when there were none).
    pub fn contended_pct(&self) -> f64 {
        crate::model::percent(self.contended, self.acquisitions)
    }

    /// The value of `figure`.
    pub fn get(&self, figure: Figure) -> f64 {
        let stat = |s: &Stats, st: Stat| match st {
            Stat::Count => s.count,
            Stat::Total => s.total,
            Stat::Mean => s.mean,
            Stat::P50 => s.p50,
            Stat::P90 => s.p90,
            Stat::P99 => s.p99,
            Stat::P999 => s.p999,
            Stat::Max => s.max,
        } as f64;
        match figure {
            Figure::Acquisitions => self.acquisitions as f64,
            Figure::Contended => self.contended as f64,
            Figure::ContendedPct => self.contended_pct(),
            Figure::Wait(st) => stat(&self.wait, st),
            Figure::Hold(st) => stat(&self.hold, st),
            Figure::Blame => self.blame_ns as f64,
        }
    }
}

/// A statistic of a distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stat {
    /// How many values.
    Count,
    /// Their sum, ns.
    Total,
    /// Their mean, ns.
    Mean,
    /// Median, ns.
    P50,
    /// 90th percentile, ns.
    P90,
    /// 99th percentile, ns.
    P99,
    /// 99.9th percentile, ns.
    P999,
    /// Largest, ns.
    Max,
}

const STATS: [(Stat, &str); 8] = [
    (Stat::Count, "count"),
    (Stat::Total, "total"),
    (Stat::Mean, "mean"),
    (Stat::P50, "p50"),
    (Stat::P90, "p90"),
    (Stat::P99, "p99"),
    (Stat::P999, "p999"),
    (Stat::Max, "max"),
];

/// One figure, by name: `acquisitions`, `contended`, `contended.pct`, `wait.<stat>`,
/// `hold.<stat>` (`count`, `total`, `mean`, `p50`, `p90`, `p99`, `p999`, `max`), `blame`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Acquisitions.
    Acquisitions,
    /// Contended acquisitions.
    Contended,
    /// Contended acquisitions, percent of all.
    ContendedPct,
    /// A statistic of the waits.
    Wait(Stat),
    /// A statistic of the holds.
    Hold(Stat),
    /// Blame, ns.
    Blame,
}

impl Figure {
    /// Every figure, in the order the JSON diff lists them.
    pub fn all() -> Vec<Figure> {
        let mut all = vec![
            Figure::Acquisitions,
            Figure::Contended,
            Figure::ContendedPct,
        ];
        all.extend(STATS.iter().map(|&(s, _)| Figure::Wait(s)));
        all.extend(STATS.iter().map(|&(s, _)| Figure::Hold(s)));
        all.push(Figure::Blame);
        all
    }

    /// The figure named `name`.
    pub fn from_name(name: &str) -> Option<Figure> {
        Figure::all().into_iter().find(|f| f.to_string() == name)
    }

    /// Whether the figure is a duration in nanoseconds (else a count or a percentage).
    pub fn is_duration(self) -> bool {
        match self {
            Figure::Wait(s) | Figure::Hold(s) => s != Stat::Count,
            Figure::Blame => true,
            _ => false,
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stat = |s: Stat| STATS.iter().find(|(x, _)| *x == s).map_or("", |(_, n)| n);
        match self {
            Figure::Acquisitions => f.write_str("acquisitions"),
            Figure::Contended => f.write_str("contended"),
            Figure::ContendedPct => f.write_str("contended.pct"),
            Figure::Wait(s) => write!(f, "wait.{}", stat(*s)),
            Figure::Hold(s) => write!(f, "hold.{}", stat(*s)),
            Figure::Blame => f.write_str("blame"),
        }
    }
}

/// How `new` differs from `base`, in percent of `base`: `Some(0.0)` when both are 0, `None`
/// when only `base` is (growth from nothing has no finite percentage).
pub fn change_pct(base: f64, new: f64) -> Option<f64> {
    if base == 0.0 {
        (new == 0.0).then_some(0.0)
    } else {
        Some((new - base) * 100.0 / base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Figure::all() {
            assert_eq!(Figure::from_name(&f.to_string()), Some(f), "{f}");
        }
        assert_eq!(Figure::from_name("wait.p99"), Some(Figure::Wait(Stat::P99)));
        assert_eq!(Figure::from_name("wait"), None);
        assert_eq!(Figure::all().len(), 20);
    }

    #[test]
    fn changes() {
        assert_eq!(change_pct(100.0, 120.0), Some(20.0));
        assert_eq!(change_pct(100.0, 50.0), Some(-50.0));
        assert_eq!(change_pct(0.0, 0.0), Some(0.0));
        assert_eq!(change_pct(0.0, 1.0), None);
    }
}
