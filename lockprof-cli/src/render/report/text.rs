//! The text report: one block per lock, aligned for a terminal, names escaped.

use std::io::{self, Write};

use super::options::ReportOptions;
use super::rows::{self, UNATTRIBUTED_NOTE};
use lockprof::LockKind;

use crate::model::percent;
use crate::render::buckets::{DECADES, bar, log_buckets, shares};
use crate::render::names::{instances_note, lock_title};
use crate::render::table::write_table;
use crate::{LockProfile, MODES, Profile, Usage, escape, humanize, mode_name};

/// Width of each of the two bars (by count, by time) of the per-lock wait histogram.
const BAR_WIDTH: usize = 20;

/// Writes the text report.
///
/// # Errors
/// Only errors of `out`.
pub fn write_text(profile: &Profile, opts: &ReportOptions, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    let [locks, traced, dropped] = rows::headline(profile);
    writeln!(
        out,
        "lockprof report: {locks}, {traced} traced, {dropped} dropped"
    )?;
    if profile.dropped_events > 0 {
        writeln!(
            out,
            "warning: events were dropped (the trace writer fell behind, or its output failed): \
             the numbers below are lower bounds"
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
    let title = lock_title(profile, lock);
    writeln!(
        out,
        "{}{} ({})",
        escape::terminal(&title),
        instances_note(lock),
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
    // Percentiles and totals of a distribution that includes sampled holds are estimates; its
    // max is a hold that was measured.
    let est = lock.holds_estimated > 0;
    let rows = [
        ("wait", wait, false, humanize::count_of(wait.count, "wait")),
        ("hold", hold, est, hold_count(lock)),
    ];
    let mut table = Vec::new();
    for (label, s, est, n) in rows {
        table.push(vec![
            format!("  {label}"),
            format!("total {}", approx(est, humanize::duration(s.total))),
            format!("p50 {}", approx(est, humanize::duration(s.p50))),
            format!("p99 {}", approx(est, humanize::duration(s.p99))),
            format!("max {}", humanize::duration(s.max)),
            n,
        ]);
    }
    write_table(out, &table, &[false; 6])?;
    let mut blame = format!(
        "  blame {} (time others waited, charged to the thread holding the lock",
        approx(
            lock.blame_estimated_ns > 0,
            humanize::duration(lock.blame_ns)
        )
    );
    if lock.blame_estimated_ns > 0 {
        blame.push_str(&format!(
            "; {} of it estimated",
            humanize::duration(lock.blame_estimated_ns)
        ));
    }
    writeln!(out, "{blame})")?;
    if lock.unattributed_ns > 0 {
        writeln!(
            out,
            "  waiting not charged to any hold: {} ({UNATTRIBUTED_NOTE})",
            humanize::duration(lock.unattributed_ns)
        )?;
    }

    if lock.kind == LockKind::RwLock {
        write_modes(lock, out)?;
    }

    let n = opts.top_rows;
    let blame = |u: &Usage| blame_row(u, lock);
    let wait = |u: &Usage| wait_row(u, lock);
    let site = |u: &Usage| site_row(u, lock);
    let holders = rows::blaming_holders(lock);
    usage_table(out, "holders (who made others wait)", &holders, n, blame)?;
    usage_table(out, "waiting sites", &rows::waiting_sites(lock), n, site)?;
    usage_table(out, "holding sites (blame)", &lock.blamed_sites(), n, blame)?;
    usage_table(out, "waiter stacks", &rows::waiter_stacks(lock), n, wait)?;
    let holder_stacks = rows::holder_stacks(lock);
    usage_table(out, "holder stacks (blame)", &holder_stacks, n, blame)?;
    let pairs = rows::pairs(lock);
    usage_table(out, "who waited where ← who held it where", &pairs, n, wait)?;

    let buckets = log_buckets(&lock.wait.histogram(), DECADES);
    if !buckets.is_empty() {
        writeln!(
            out,
            "  wait histogram: by number of waits, and by time waited"
        )?;
        let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
        let max_time = buckets.iter().map(|b| b.time).max().unwrap_or(0);
        let rows: Vec<Vec<String>> = buckets
            .iter()
            .zip(shares(&buckets))
            .map(|(b, (count_pct, time_pct))| {
                vec![
                    format!("    {}", b.label()),
                    format!("|{:<BAR_WIDTH$}|", bar(b.count, max, BAR_WIDTH)),
                    humanize::count(b.count),
                    humanize::percent(count_pct),
                    format!("|{:<BAR_WIDTH$}|", bar(b.time, max_time, BAR_WIDTH)),
                    humanize::percent(time_pct),
                ]
            })
            .collect();
        write_table(out, &rows, &[false, false, true, true, false, true])?;
    }
    if lock.holds_estimated > 0 || lock.blame_estimated_ns > 0 {
        writeln!(out, "  {ESTIMATE_NOTE}")?;
    }
    Ok(())
}

/// The footnote of a lock whose figures include estimates marked `~`.
const ESTIMATE_NOTE: &str = "~ estimated from sampled holds";

/// `text` marked as an estimate when `estimated`.
fn approx(estimated: bool, text: String) -> String {
    if estimated { format!("~{text}") } else { text }
}

/// How many holds the lock's hold distribution counts: measured one by one (hold events, which
/// stand for themselves), estimated from sampled holds (each standing for about a thousand), or
/// both. ("Measured" alone would not do: the sampled holds were measured too.)
fn hold_count(lock: &LockProfile) -> String {
    let all = lock.hold.stats().count;
    let estimated = lock.holds_estimated.min(all);
    let measured = all - estimated;
    match (measured, estimated) {
        (0, 0) => "no holds measured".to_owned(),
        (m, 0) => format!("{} measured one by one", humanize::count_of(m, "hold")),
        (0, e) => format!(
            "~{} estimated from sampled holds",
            humanize::count_of(e, "hold")
        ),
        (m, e) => format!(
            "{} measured one by one + ~{} estimated from sampled holds",
            humanize::count_of(m, "hold"),
            humanize::count(e)
        ),
    }
}

/// A row of a wait table: nothing in it is estimated (waits are never sampled).
fn wait_row(u: &Usage, lock: &LockProfile) -> Row {
    Row {
        amount: u.cell.wait_ns,
        whole: lock.wait.total,
        estimated: false,
        count: humanize::count_of(u.cell.waits, "wait"),
        extra: Vec::new(),
    }
}

/// A row of the waiting sites: a wait row, and the distribution of the site's waits.
fn site_row(u: &Usage, lock: &LockProfile) -> Row {
    let s = lock.site_part(&u.name).unwrap_or_default().wait.stats();
    Row {
        extra: vec![
            format!("p50 {}", humanize::duration(s.p50)),
            format!("p99 {}", humanize::duration(s.p99)),
            format!("max {}", humanize::duration(s.max)),
        ],
        ..wait_row(u, lock)
    }
}

/// An `RwLock`'s figures by mode (those it was acquired in), one row each.
fn write_modes(lock: &LockProfile, out: &mut impl Write) -> io::Result<()> {
    let mut table = vec![
        [
            "  by mode",
            "acquisitions",
            "contended",
            "wait total",
            "wait p99",
            "hold p99",
            "blame",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for mode in MODES {
        let part = lock.mode_part(mode);
        if part.is_empty() {
            continue;
        }
        let (wait, hold) = (part.wait.stats(), part.hold.stats());
        table.push(vec![
            format!("    {}", mode_name(mode)),
            humanize::count(part.acquisitions),
            format!(
                "{} ({})",
                humanize::count(part.contended),
                humanize::percent(part.contended_pct())
            ),
            humanize::duration(wait.total),
            humanize::duration(wait.p99),
            approx(part.holds_estimated > 0, humanize::duration(hold.p99)),
            approx(
                part.blame_estimated_ns > 0,
                humanize::duration(part.blame_ns),
            ),
        ]);
    }
    if table.len() == 1 {
        return Ok(());
    }
    let mut right = [true; 7];
    right[0] = false;
    write_table(out, &table, &right)
}

/// A row of a blame table: the blame (and its share) and the holds, each marked when it
/// includes an estimate.
fn blame_row(u: &Usage, lock: &LockProfile) -> Row {
    Row {
        amount: u.cell.blame_ns,
        whole: lock.blame_ns,
        estimated: u.cell.blame_is_estimated(),
        count: approx(
            u.cell.holds_are_estimated(),
            humanize::count_of(u.cell.holds, "hold"),
        ),
        extra: Vec::new(),
    }
}

/// The figures of one table row.
struct Row {
    amount: u64,
    whole: u64,
    /// `amount` (and so its share) includes an estimate.
    estimated: bool,
    count: String,
    /// Further columns, after the count.
    extra: Vec<String>,
}

/// A titled table of the first `n` rows: name, amount, share of the whole, count.
fn usage_table(
    out: &mut impl Write,
    title: &str,
    rows: &[Usage],
    n: usize,
    cols: impl Fn(&Usage) -> Row,
) -> io::Result<()> {
    if rows.is_empty() || n == 0 {
        return Ok(());
    }
    writeln!(out, "  {title}")?;
    let mut table: Vec<Vec<String>> = rows
        .iter()
        .take(n)
        .map(|u| {
            let row = cols(u);
            let mut cells = vec![
                format!("    {}", escape::terminal(&u.name)),
                approx(row.estimated, humanize::duration(row.amount)),
                approx(
                    row.estimated,
                    humanize::percent(percent(row.amount, row.whole)),
                ),
                row.count,
            ];
            cells.extend(row.extra);
            cells
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
    write_table(out, &table, &[false, true, true, true, true, true, true])
}
