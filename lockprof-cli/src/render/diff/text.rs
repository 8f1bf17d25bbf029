//! The text diff: for each lock class, its figures before, after and their change, then the same
//! for its acquire sites; the regressions last.

use std::io::{self, Write};

use super::columns::{COLUMNS, TOP_SITES, regression_line, rows};
use super::options::DiffOptions;
use crate::compare::{Comparison, Run};
use crate::render::table::write_table;
use crate::{escape, humanize};

/// Writes the text diff of `cmp`.
///
/// # Errors
/// Only errors of `out`.
pub fn write_text(cmp: &Comparison, opts: &DiffOptions, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    writeln!(
        out,
        "lockprof diff: {} → {}",
        escape::terminal(&opts.base),
        escape::terminal(&opts.new)
    )?;
    writeln!(out, "  base  {}", run(&cmp.base))?;
    writeln!(out, "  new   {}", run(&cmp.new))?;
    if cmp.locks.is_empty() {
        writeln!(out, "\nno locks recorded")?;
    }
    let mut right = vec![true; COLUMNS.len() + 1];
    right[0] = false;
    for lock in &cmp.locks {
        writeln!(
            out,
            "\n{} ({})",
            escape::terminal(&lock.name),
            lock.kind.as_str()
        )?;
        let mut table = vec![header("")];
        table.extend(labelled("  ", rows(lock.base, lock.new)));
        for site in lock.sites.iter().take(TOP_SITES) {
            table.push(vec![format!("  {}", escape::terminal(&site.site))]);
            table.extend(labelled("    ", rows(site.base, site.new)));
        }
        write_table(out, &table, &right)?;
        if lock.sites.len() > TOP_SITES {
            writeln!(out, "  … {} more sites", lock.sites.len() - TOP_SITES)?;
        }
    }
    let regressions = cmp.regressions(&opts.thresholds);
    if !opts.thresholds.is_empty() {
        writeln!(out)?;
        if regressions.is_empty() {
            writeln!(out, "no regressions past the --fail-on thresholds")?;
        }
        for r in &regressions {
            writeln!(out, "regression: {}", regression_line(r))?;
        }
    }
    Ok(())
}

/// A run's facts: how long it covers, what it dropped.
fn run(run: &Run) -> String {
    format!(
        "{} traced, {} dropped",
        humanize::duration(run.duration_ns),
        humanize::count_of(run.dropped_events, "event")
    )
}

fn header(first: &str) -> Vec<String> {
    let mut row = vec![first.to_owned()];
    row.extend(COLUMNS.iter().map(|(_, h)| (*h).to_owned()));
    row
}

/// The base, new and change rows, each after its label.
fn labelled(indent: &str, rows: [Vec<String>; 3]) -> Vec<Vec<String>> {
    ["base", "new", "change"]
        .into_iter()
        .zip(rows)
        .map(|(label, cells)| {
            let mut row = vec![format!("{indent}{label}")];
            row.extend(cells);
            row
        })
        .collect()
}
