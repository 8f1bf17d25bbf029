//! The text report: one block per lock, aligned for a terminal, names escaped.

use std::io::{self, Write};

use super::{ReportOptions, lock_title};
use crate::buckets::{DECADES, bar, log_buckets};
use crate::profile::percent;
use crate::{LockProfile, Profile, Usage, escape, humanize, short_stack};

/// Width of the bars of the per-lock wait histogram.
const BAR_WIDTH: usize = 30;

/// Writes the text report.
///
/// # Errors
/// Only errors of `out`.
pub fn write_text(profile: &Profile, opts: &ReportOptions, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    writeln!(
        out,
        "lockprof report: {}, {} traced, {} dropped",
        humanize::count_of(profile.locks.len() as u64, "lock"),
        humanize::duration(profile.duration_ns),
        humanize::count_of(profile.dropped_events, "event"),
    )?;
    if profile.dropped_events > 0 {
        writeln!(
            out,
            "warning: the trace writer fell behind and dropped events: the numbers below are \
             lower bounds"
        )?;
    }
    if profile.locks.is_empty() {
        writeln!(out, "\nno locks recorded")?;
    }
    for lock in &profile.locks {
        writeln!(out)?;
        write_lock(profile, lock, opts, out)?;
    }
    Ok(())
}

fn write_lock(
    profile: &Profile,
    lock: &LockProfile,
    opts: &ReportOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    let name = escape::terminal(&lock.name);
    writeln!(
        out,
        "{} ({})",
        lock_title(profile, lock, &name),
        lock.kind.as_str()
    )?;
    let mut line = format!(
        "  acquisitions {}   contended {} ({})",
        humanize::count(lock.acquisitions),
        humanize::count(lock.contended),
        humanize::percent(lock.contended_pct()),
    );
    if lock.timeouts > 0 {
        line.push_str(&format!("   timed out {}", humanize::count(lock.timeouts)));
    }
    writeln!(out, "{line}")?;

    let wait = lock.wait.stats();
    let hold = lock.hold.stats();
    let rows = [
        ("wait", wait, humanize::count_of(wait.count, "wait")),
        (
            "hold",
            hold,
            format!("{} measured", humanize::count_of(hold.count, "hold")),
        ),
    ];
    let mut table = Vec::new();
    for (label, s, n) in rows {
        table.push(vec![
            format!("  {label}"),
            format!("total {}", humanize::duration(s.total)),
            format!("p50 {}", humanize::duration(s.p50)),
            format!("p99 {}", humanize::duration(s.p99)),
            format!("max {}", humanize::duration(s.max)),
            n,
        ]);
    }
    write_table(out, &table, &[false; 6])?;
    writeln!(
        out,
        "  blame {} (time others waited, charged to the thread holding the lock)",
        humanize::duration(lock.blame_ns)
    )?;

    let n = opts.top_rows;
    let holders = lock.holders();
    let holders: Vec<_> = holders.iter().filter(|u| u.cell.blame_ns > 0).collect();
    usage_table(out, "holders (who made others wait)", &holders, n, |u| {
        (
            u.cell.blame_ns,
            lock.blame_ns,
            humanize::count_of(u.cell.holds, "hold"),
        )
    })?;
    let sites = lock.sites();
    let waiting: Vec<_> = sites.iter().filter(|u| u.cell.wait_ns > 0).collect();
    usage_table(out, "waiting sites", &waiting, n, |u| {
        (
            u.cell.wait_ns,
            lock.wait.total,
            humanize::count_of(u.cell.waits, "wait"),
        )
    })?;
    let blamed = lock.blamed_sites();
    let blamed: Vec<_> = blamed.iter().collect();
    usage_table(out, "holding sites (blame)", &blamed, n, |u| {
        (
            u.cell.blame_ns,
            lock.blame_ns,
            humanize::count_of(u.cell.holds, "hold"),
        )
    })?;

    let rows: Vec<Usage> = lock.waiter_stacks().into_iter().map(Usage::from).collect();
    let rows: Vec<_> = rows.iter().collect();
    usage_table(out, "waiter stacks", &rows, n, |u| {
        (
            u.cell.wait_ns,
            lock.wait.total,
            humanize::count_of(u.cell.waits, "wait"),
        )
    })?;
    let rows: Vec<Usage> = lock.holder_stacks().into_iter().map(Usage::from).collect();
    let rows: Vec<_> = rows.iter().collect();
    usage_table(out, "holder stacks (blame)", &rows, n, |u| {
        (
            u.cell.blame_ns,
            lock.blame_ns,
            humanize::count_of(u.cell.holds, "hold"),
        )
    })?;
    let rows: Vec<Usage> = lock
        .pairs
        .iter()
        .filter(|p| !p.waiter_frames.is_empty() || !p.holder_frames.is_empty())
        .map(|p| Usage {
            name: pair_line(p),
            cell: crate::Cell {
                waits: p.waits,
                wait_ns: p.wait_ns,
                ..crate::Cell::default()
            },
        })
        .collect();
    let rows: Vec<_> = rows.iter().collect();
    usage_table(
        out,
        "who waited where ← who held it where",
        &rows,
        n,
        |u| {
            (
                u.cell.wait_ns,
                lock.wait.total,
                humanize::count_of(u.cell.waits, "wait"),
            )
        },
    )?;

    let buckets = log_buckets(&lock.wait.hist, DECADES);
    if !buckets.is_empty() {
        writeln!(out, "  wait histogram")?;
        let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
        let rows: Vec<Vec<String>> = buckets
            .iter()
            .map(|b| {
                vec![
                    format!("    {}", b.label()),
                    format!("|{:<BAR_WIDTH$}|", bar(b.count, max, BAR_WIDTH)),
                    humanize::count(b.count),
                ]
            })
            .collect();
        write_table(out, &rows, &[false, false, true])?;
    }
    Ok(())
}

/// `waiter in f ← holder in g`, each stack by its leaf-most frame.
pub(super) fn pair_line(p: &crate::Pair) -> String {
    format!(
        "{} in {} ← {} in {}",
        p.waiter_thread,
        short_stack(&p.waiter_frames, 1),
        p.holder_thread,
        short_stack(&p.holder_frames, 1)
    )
}

/// A titled table of the first `n` rows: name, amount, share of `whole`, count.
fn usage_table(
    out: &mut impl Write,
    title: &str,
    rows: &[&Usage],
    n: usize,
    cols: impl Fn(&Usage) -> (u64, u64, String),
) -> io::Result<()> {
    if rows.is_empty() || n == 0 {
        return Ok(());
    }
    writeln!(out, "  {title}")?;
    let mut table: Vec<Vec<String>> = rows
        .iter()
        .take(n)
        .map(|u| {
            let (amount, whole, count) = cols(u);
            vec![
                format!("    {}", escape::terminal(&u.name)),
                humanize::duration(amount),
                humanize::percent(percent(amount, whole)),
                count,
            ]
        })
        .collect();
    if rows.len() > n {
        table.push(vec![
            format!("    … {} more", rows.len() - n),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    write_table(out, &table, &[false, true, true, true])
}

/// Writes rows with columns padded to their widest cell (right-aligned where `right`).
fn write_table(out: &mut impl Write, rows: &[Vec<String>], right: &[bool]) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c].saturating_sub(cell.chars().count());
            if right.get(c).copied().unwrap_or(false) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
