//! `--fail-on METRIC=+PCT`: how much a lock's figure may grow from one run to the next, and the
//! locks whose figures grew past it.

use std::fmt;
use std::str::FromStr;

use lockprof::LockKind;

use super::comparison::Comparison;
use super::figures::{Figure, change_pct};

/// A figure and the growth it may have, in percent of its value before: `wait.p99=+20%`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// The figure watched.
    pub figure: Figure,
    /// How much it may grow, percent (0: not at all).
    pub pct: f64,
}

impl FromStr for Threshold {
    type Err = String;

    /// `METRIC=+PCT`, `METRIC=PCT%` or `METRIC=+PCT%`; METRIC as [`Figure`] names it.
    fn from_str(s: &str) -> Result<Threshold, String> {
        let usage = || {
            let names: Vec<String> = Figure::all().iter().map(Figure::to_string).collect();
            format!(
                "expected METRIC=+PCT (for example wait.p99=+20%), METRIC one of: {}",
                names.join(", ")
            )
        };
        let (name, pct) = s.split_once('=').ok_or_else(usage)?;
        let figure = Figure::from_name(name.trim()).ok_or_else(usage)?;
        let pct = pct.trim();
        let pct = pct.strip_prefix('+').unwrap_or(pct);
        let pct = pct.strip_suffix('%').unwrap_or(pct);
        match pct.parse::<f64>() {
            Ok(pct) if pct.is_finite() && pct >= 0.0 => Ok(Threshold { figure, pct }),
            _ => Err(usage()),
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=+{}%", self.figure, self.pct)
    }
}

/// A lock whose figure grew past its threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// The lock class (untrusted: escape before display).
    pub lock: String,
    /// Its kind.
    pub kind: LockKind,
    /// The threshold it passed.
    pub threshold: Threshold,
    /// The figure before (0 when the lock was not in the base run).
    pub base: f64,
    /// The figure after.
    pub new: f64,
    /// The growth, percent of `base`; `None` when it grew from 0.
    pub change_pct: Option<f64>,
}

impl Comparison {
    /// Every (lock, threshold) where the lock's figure grew past the threshold, in the order of
    /// the locks, then of `thresholds`. A figure that grew from 0 grew past any threshold; a
    /// lock only in the base run did not grow.
    pub fn regressions(&self, thresholds: &[Threshold]) -> Vec<Regression> {
        let mut out = Vec::new();
        for lock in &self.locks {
            let Some(new) = lock.new else { continue };
            for &t in thresholds {
                let before = lock.base.map_or(0.0, |b| b.get(t.figure));
                let after = new.get(t.figure);
                let change = change_pct(before, after);
                let grew = after > before && change.is_none_or(|c| c > t.pct);
                if grew {
                    out.push(Regression {
                        lock: lock.name.clone(),
                        kind: lock.kind,
                        threshold: t,
                        base: before,
                        new: after,
                        change_pct: change,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::figures::Stat;

    #[test]
    fn parses_what_the_docs_show() {
        let t: Threshold = "wait.p99=+20%".parse().unwrap();
        assert_eq!(
            t,
            Threshold {
                figure: Figure::Wait(Stat::P99),
                pct: 20.0
            }
        );
        assert_eq!("blame=5".parse::<Threshold>().unwrap().pct, 5.0);
        assert_eq!("contended=+0.5%".parse::<Threshold>().unwrap().pct, 0.5);
        for bad in [
            "wait.p99",
            "wait=+20%",
            "wait.p99=-5%",
            "wait.p99=+x%",
            "=1",
            "blame=inf",
        ] {
            let err = bad.parse::<Threshold>().unwrap_err();
            assert!(err.contains("wait.p99"), "{bad}: {err}");
        }
        assert_eq!(t.to_string(), "wait.p99=+20%");
    }
}
