//! The Markdown report: a summary table of every lock, then per lock its top holders and sites.
//! Names are escaped so they render as literal text in a GitHub comment.

use std::io::{self, Write};

use lockprof::LockKind;

use super::options::ReportOptions;
use super::rows::{self, UNATTRIBUTED_NOTE};
use crate::model::percent;
use crate::render::names::{instances_note, lock_title};
use crate::{LockProfile, MODES, Profile, Usage, escape, humanize, mode_name};

/// Writes the Markdown report.
///
/// # Errors
/// Only errors of `out`.
pub fn write_markdown(
    profile: &Profile,
    opts: &ReportOptions,
    mut out: impl Write,
) -> io::Result<()> {
    let out = &mut out;
    writeln!(out, "## lockprof report\n")?;
    let [locks, traced, dropped] = rows::headline(profile);
    writeln!(out, "{locks} · {traced} traced · {dropped} dropped\n")?;
    if profile.dropped_events > 0 {
        writeln!(
            out,
            "> **Warning:** the trace writer dropped events; the numbers are lower bounds.\n"
        )?;
    }
    if profile.locks.is_empty() {
        writeln!(out, "No locks recorded.")?;
        return Ok(());
    }
    writeln!(
        out,
        "| lock | kind | acquisitions | contended | wait total | wait p50 | wait p99 | wait max \
         | hold p99 | blame |"
    )?;
    writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")?;
    for lock in &profile.locks {
        let w = lock.wait.stats();
        let h = lock.hold.stats();
        writeln!(
            out,
            "| {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            title(profile, lock),
            lock.kind.as_str(),
            humanize::count(lock.acquisitions),
            humanize::count(lock.contended),
            humanize::percent(lock.contended_pct()),
            humanize::duration(w.total),
            humanize::duration(w.p50),
            humanize::duration(w.p99),
            humanize::duration(w.max),
            approx(lock.holds_estimated > 0, humanize::duration(h.p99)),
            approx(
                lock.blame_estimated_ns > 0,
                humanize::duration(lock.blame_ns)
            ),
        )?;
    }
    if profile.locks.iter().any(has_estimates) {
        writeln!(out, "\n{ESTIMATE_NOTE}")?;
    }
    for lock in &profile.locks {
        let holders = rows::blaming_holders(lock);
        let waiting = rows::waiting_sites(lock);
        let waiter_stacks = rows::waiter_stacks(lock);
        let holder_stacks = rows::holder_stacks(lock);
        let pairs = rows::pairs(lock);
        let rwlock = lock.kind == LockKind::RwLock;
        if holders.is_empty()
            && waiting.is_empty()
            && waiter_stacks.is_empty()
            && lock.unattributed_ns == 0
            && !rwlock
        {
            continue;
        }
        writeln!(out, "\n### {}", title(profile, lock))?;
        if lock.unattributed_ns > 0 {
            writeln!(
                out,
                "\nWaiting not charged to any hold: {} ({}).",
                humanize::duration(lock.unattributed_ns),
                escape::markdown(UNATTRIBUTED_NOTE),
            )?;
        }
        if rwlock {
            modes_table(out, lock)?;
        }
        let blame = |u: &Usage| Row {
            amount: u.cell.blame_ns,
            whole: lock.blame_ns,
            estimated: u.cell.blame_is_estimated(),
            count: u.cell.holds,
            count_estimated: u.cell.holds_are_estimated(),
            extra: Vec::new(),
        };
        // Waits are never sampled: nothing in a wait row is estimated.
        let wait = |u: &Usage| Row {
            amount: u.cell.wait_ns,
            whole: lock.wait.total,
            estimated: false,
            count: u.cell.waits,
            count_estimated: false,
            extra: Vec::new(),
        };
        let site = |u: &Usage| {
            let s = lock.site_part(&u.name).unwrap_or_default().wait.stats();
            Row {
                extra: [s.p50, s.p99, s.max].map(humanize::duration).to_vec(),
                ..wait(u)
            }
        };
        table(
            out,
            &["holder thread", "blame", "share", "holds"],
            &holders,
            opts.top_rows,
            blame,
        )?;
        table(
            out,
            &[
                "waiting site",
                "wait",
                "share",
                "waits",
                "p50",
                "p99",
                "max",
            ],
            &waiting,
            opts.top_rows,
            site,
        )?;
        table(
            out,
            &["waiter stack", "wait", "share", "waits"],
            &waiter_stacks,
            opts.top_rows,
            wait,
        )?;
        table(
            out,
            &["holder stack", "blame", "share", "holds"],
            &holder_stacks,
            opts.top_rows,
            blame,
        )?;
        table(
            out,
            &[
                "who waited where ← who held it where",
                "wait",
                "share",
                "waits",
            ],
            &pairs,
            opts.top_rows,
            wait,
        )?;
        if has_estimates(lock) {
            writeln!(out, "\n{ESTIMATE_NOTE}")?;
        }
    }
    Ok(())
}

/// The footnote under figures marked `~` (escaped: GitHub reads `~text~` as strikethrough).
const ESTIMATE_NOTE: &str = "\\~ estimated from sampled holds";

fn has_estimates(lock: &LockProfile) -> bool {
    lock.holds_estimated > 0 || lock.blame_estimated_ns > 0
}

/// `text` marked as an estimate when `estimated`.
fn approx(estimated: bool, text: String) -> String {
    if estimated {
        format!("\\~{text}")
    } else {
        text
    }
}

/// The figures of one table row.
struct Row {
    amount: u64,
    whole: u64,
    /// `amount` (and so its share) includes an estimate.
    estimated: bool,
    count: u64,
    count_estimated: bool,
    /// Further columns, after the count.
    extra: Vec<String>,
}

/// The lock's title, with the number of instances of a class of several.
fn title(profile: &Profile, lock: &LockProfile) -> String {
    let title = lock_title(profile, lock);
    format!("{}{}", escape::markdown(&title), instances_note(lock))
}

/// A table of the first `n` rows: name, amount, share of the whole, count, and the row's
/// further columns (`header` names them all).
fn table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Usage],
    n: usize,
    cols: impl Fn(&Usage) -> Row,
) -> io::Result<()> {
    if rows.is_empty() || n == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "\n| {} |\n|---|{}",
        header.join(" | "),
        "--:|".repeat(header.len() - 1)
    )?;
    for u in rows.iter().take(n) {
        let row = cols(u);
        write!(
            out,
            "| {} | {} | {} | {} |",
            escape::markdown(&u.name),
            approx(row.estimated, humanize::duration(row.amount)),
            approx(
                row.estimated,
                humanize::percent(percent(row.amount, row.whole))
            ),
            approx(row.count_estimated, humanize::count(row.count)),
        )?;
        for cell in row.extra {
            write!(out, " {cell} |")?;
        }
        writeln!(out)?;
    }
    if rows.len() > n {
        writeln!(
            out,
            "| … {} more |{}",
            rows.len() - n,
            " |".repeat(header.len() - 1)
        )?;
    }
    Ok(())
}

/// An `RwLock`'s figures by mode (those it was acquired in).
fn modes_table(out: &mut impl Write, lock: &LockProfile) -> io::Result<()> {
    writeln!(
        out,
        "\n| mode | acquisitions | contended | wait total | wait p99 | hold p99 | blame |\n\
         |---|--:|--:|--:|--:|--:|--:|"
    )?;
    for mode in MODES {
        let part = lock.mode_part(mode);
        if part.is_empty() {
            continue;
        }
        let (wait, hold) = (part.wait.stats(), part.hold.stats());
        writeln!(
            out,
            "| {} | {} | {} ({}) | {} | {} | {} | {} |",
            mode_name(mode),
            humanize::count(part.acquisitions),
            humanize::count(part.contended),
            humanize::percent(part.contended_pct()),
            humanize::duration(wait.total),
            humanize::duration(wait.p99),
            approx(part.holds_estimated > 0, humanize::duration(hold.p99)),
            approx(
                part.blame_estimated_ns > 0,
                humanize::duration(part.blame_ns)
            ),
        )?;
    }
    Ok(())
}
