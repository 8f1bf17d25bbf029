//! The JSON diff: the `lockprof.diff/1` schema, field for field (the serialized structs below
//! are its definition; ARCHITECTURE.md describes it). Fields are only ever added.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::options::DiffOptions;
use crate::Stats;
use crate::compare::{Comparison, Figure, Figures, Run, change_pct};

/// The `schema` value of the JSON diff.
const SCHEMA: &str = "lockprof.diff/1";

#[derive(Serialize)]
struct Diff<'a> {
    schema: &'static str,
    base: Side<'a>,
    new: Side<'a>,
    /// The `--fail-on` thresholds, as given.
    thresholds: Vec<String>,
    regressions: Vec<RegressionRow<'a>>,
    locks: Vec<Lock<'a>>,
}

#[derive(Serialize)]
struct Side<'a> {
    /// The input as named on the command line.
    input: &'a str,
    duration_ns: u64,
    dropped_events: u64,
}

#[derive(Serialize)]
struct RegressionRow<'a> {
    lock: &'a str,
    kind: &'static str,
    metric: String,
    threshold_pct: f64,
    base: f64,
    new: f64,
    /// `null` when the figure grew from 0.
    change_pct: Option<f64>,
}

#[derive(Serialize)]
struct Lock<'a> {
    name: &'a str,
    kind: &'static str,
    /// `null` when the lock is not in that run.
    base: Option<FiguresRow>,
    new: Option<FiguresRow>,
    /// Each figure's change in percent of its base value, by `--fail-on` name; `null` when it
    /// grew from 0. Empty when the lock is in one run only.
    change: BTreeMap<String, Option<f64>>,
    sites: Vec<Site<'a>>,
}

#[derive(Serialize)]
struct Site<'a> {
    site: &'a str,
    base: Option<FiguresRow>,
    new: Option<FiguresRow>,
    change: BTreeMap<String, Option<f64>>,
}

#[derive(Serialize)]
struct FiguresRow {
    acquisitions: u64,
    contended: u64,
    contended_pct: f64,
    wait_ns: Stats,
    hold_ns: Stats,
    blame_ns: u64,
}

impl From<Figures> for FiguresRow {
    fn from(f: Figures) -> FiguresRow {
        FiguresRow {
            acquisitions: f.acquisitions,
            contended: f.contended,
            contended_pct: f.contended_pct(),
            wait_ns: f.wait,
            hold_ns: f.hold,
            blame_ns: f.blame_ns,
        }
    }
}

/// Every figure's change from `base` to `new`, by name; empty unless both are there.
fn changes(base: Option<Figures>, new: Option<Figures>) -> BTreeMap<String, Option<f64>> {
    let (Some(b), Some(n)) = (base, new) else {
        return BTreeMap::new();
    };
    Figure::all()
        .into_iter()
        .map(|f| (f.to_string(), change_pct(b.get(f), n.get(f))))
        .collect()
}

/// Writes the diff as pretty-printed JSON and a newline.
///
/// # Errors
/// Only errors of `out`.
pub fn write_json(cmp: &Comparison, opts: &DiffOptions, mut out: impl Write) -> io::Result<()> {
    let side = |input, run: &Run| Side {
        input,
        duration_ns: run.duration_ns,
        dropped_events: run.dropped_events,
    };
    let regressions = cmp.regressions(&opts.thresholds);
    let diff = Diff {
        schema: SCHEMA,
        base: side(&opts.base, &cmp.base),
        new: side(&opts.new, &cmp.new),
        thresholds: opts.thresholds.iter().map(ToString::to_string).collect(),
        regressions: regressions
            .iter()
            .map(|r| RegressionRow {
                lock: &r.lock,
                kind: r.kind.as_str(),
                metric: r.threshold.figure.to_string(),
                threshold_pct: r.threshold.pct,
                base: r.base,
                new: r.new,
                change_pct: r.change_pct,
            })
            .collect(),
        locks: cmp
            .locks
            .iter()
            .map(|l| Lock {
                name: &l.name,
                kind: l.kind.as_str(),
                base: l.base.map(Into::into),
                new: l.new.map(Into::into),
                change: changes(l.base, l.new),
                sites: l
                    .sites
                    .iter()
                    .map(|s| Site {
                        site: &s.site,
                        base: s.base.map(Into::into),
                        new: s.new.map(Into::into),
                        change: changes(s.base, s.new),
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &diff).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
