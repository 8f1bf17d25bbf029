//! The Markdown diff, for a pull request: the regressions first, then one table per lock class
//! of its figures before, after and their change, and of its acquire sites. Names are escaped
//! so they render as the literal text they are.

use std::io::{self, Write};

use super::columns::{COLUMNS, TOP_SITES, regression_figures, rows};
use super::options::DiffOptions;
use crate::compare::{Comparison, Run};
use crate::{escape, humanize};

/// Writes the Markdown diff of `cmp`.
///
/// # Errors
/// Only errors of `out`.
pub fn write_markdown(cmp: &Comparison, opts: &DiffOptions, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    writeln!(out, "## lockprof diff\n")?;
    writeln!(
        out,
        "base {} ({}) → new {} ({})\n",
        escape::markdown(&opts.base),
        run(&cmp.base),
        escape::markdown(&opts.new),
        run(&cmp.new)
    )?;
    let regressions = cmp.regressions(&opts.thresholds);
    for r in &regressions {
        writeln!(
            out,
            "> **Regression:** {} ({}): {}\n",
            escape::markdown(&r.lock),
            r.kind.as_str(),
            escape::markdown(&regression_figures(r))
        )?;
    }
    if !opts.thresholds.is_empty() && regressions.is_empty() {
        writeln!(out, "No regressions past the --fail-on thresholds.\n")?;
    }
    if cmp.locks.is_empty() {
        writeln!(out, "No locks recorded.")?;
        return Ok(());
    }
    let headers: Vec<&str> = COLUMNS.iter().map(|(_, h)| *h).collect();
    let rule = "--:|".repeat(COLUMNS.len());
    writeln!(out, "| lock | | {} |\n|---|---|{rule}", headers.join(" | "))?;
    for lock in &cmp.locks {
        let name = format!("{} ({})", escape::markdown(&lock.name), lock.kind.as_str());
        write_rows(out, &name, rows(lock.base, lock.new))?;
    }
    for lock in cmp.locks.iter().filter(|l| !l.sites.is_empty()) {
        writeln!(out, "\n### {}\n", escape::markdown(&lock.name))?;
        writeln!(out, "| site | | {} |\n|---|---|{rule}", headers.join(" | "))?;
        for site in lock.sites.iter().take(TOP_SITES) {
            write_rows(
                out,
                &escape::markdown(&site.site),
                rows(site.base, site.new),
            )?;
        }
        if lock.sites.len() > TOP_SITES {
            writeln!(out, "\n… {} more sites", lock.sites.len() - TOP_SITES)?;
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

/// The base, new and change rows of `name` (already escaped), the name on the first.
fn write_rows(out: &mut impl Write, name: &str, rows: [Vec<String>; 3]) -> io::Result<()> {
    for (i, (label, cells)) in ["base", "new", "change"].into_iter().zip(rows).enumerate() {
        let first = if i == 0 { name } else { "" };
        writeln!(out, "| {first} | {label} | {} |", cells.join(" | "))?;
    }
    Ok(())
}
