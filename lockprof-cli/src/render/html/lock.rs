//! One lock's section of the page: its figures, its wait and hold histograms as pictures, an
//! `RwLock`'s modes, its acquire sites with their own distributions, and the threads that made
//! others wait.

use std::fmt::Write as _;

use lockprof::LockKind;

use super::bars::write_histogram;
use super::markup::{Cell, Table};
use super::tables::{approx, lock_anchor};
use crate::model::percent;
use crate::render::names::{instances_note, lock_title};
use crate::{LockProfile, MODES, Part, Profile, escape, humanize, mode_name};

/// Rows of each of a lock's tables.
const TOP_ROWS: usize = 10;

/// Writes the section of the `index`th lock.
pub(super) fn write_lock(out: &mut String, profile: &Profile, index: usize, lock: &LockProfile) {
    let _ = write!(
        out,
        "<section class=\"lock\" id=\"{}\"><h3>{}{} <span class=\"kind\">{}</span></h3>",
        lock_anchor(index),
        escape::html(&lock_title(profile, lock)),
        escape::html(&instances_note(lock)),
        lock.kind.as_str(),
    );
    write_stats(out, lock);
    out.push_str("<div class=\"pictures\">");
    for (what, dist, values, time) in [
        ("waits", &lock.wait, "waits", "time waited"),
        ("holds", &lock.hold, "holds", "time held"),
    ] {
        if dist.is_empty() {
            continue;
        }
        let _ = write!(out, "<figure><figcaption>{what}</figcaption>");
        write_histogram(out, dist, values, time);
        out.push_str("</figure>");
    }
    out.push_str("</div>");
    if lock.kind == LockKind::RwLock {
        write_modes(out, lock);
    }
    write_sites(out, lock);
    write_holders(out, lock);
    out.push_str("</section>\n");
}

/// The lock's figures in one line each for contention, waits, holds and blame.
fn write_stats(out: &mut String, lock: &LockProfile) {
    let (w, h) = (lock.wait.stats(), lock.hold.stats());
    let est = lock.holds_estimated > 0;
    let mut items = vec![
        format!(
            "acquisitions {}, contended {} ({})",
            humanize::count(lock.acquisitions),
            humanize::count(lock.contended),
            humanize::percent(lock.contended_pct())
        ),
        format!(
            "wait total {}, p50 {}, p99 {}, max {}",
            humanize::duration(w.total),
            humanize::duration(w.p50),
            humanize::duration(w.p99),
            humanize::duration(w.max)
        ),
        format!(
            "hold p50 {}, p99 {}, max {}",
            approx(est, humanize::duration(h.p50)),
            approx(est, humanize::duration(h.p99)),
            humanize::duration(h.max)
        ),
        format!(
            "blame {}",
            approx(
                lock.blame_estimated_ns > 0,
                humanize::duration(lock.blame_ns)
            )
        ),
    ];
    if lock.timeouts > 0 {
        items.push(format!("timed out {}", humanize::count(lock.timeouts)));
    }
    if lock.unattributed_ns > 0 {
        items.push(format!(
            "waiting charged to no hold {}",
            humanize::duration(lock.unattributed_ns)
        ));
    }
    out.push_str("<div class=\"stats\">");
    for item in items {
        let _ = write!(out, "<span>{}</span>", escape::html(&item));
    }
    out.push_str("</div>");
    if est || lock.blame_estimated_ns > 0 {
        out.push_str("<p class=\"est\">~ estimated from sampled holds</p>");
    }
}

/// The figures of a part (a mode, a site) as table cells, after its name.
fn part_cells(part: &Part, wait_of_lock: u64) -> Vec<Cell> {
    let (w, h) = (part.wait.stats(), part.hold.stats());
    let duration = |ns: u64| Cell::num(humanize::duration(ns), ns);
    vec![
        Cell::num(humanize::count(part.acquisitions), part.acquisitions),
        Cell::float(
            humanize::percent(part.contended_pct()),
            part.contended_pct(),
        ),
        Cell::num(humanize::count(w.count), w.count),
        duration(w.total),
        Cell::float(
            humanize::percent(percent(w.total, wait_of_lock)),
            percent(w.total, wait_of_lock),
        ),
        duration(w.p50),
        duration(w.p99),
        duration(w.max),
        Cell::num(
            approx(part.holds_estimated > 0, humanize::duration(h.p99)),
            h.p99,
        ),
        Cell::num(
            approx(
                part.blame_estimated_ns > 0,
                humanize::duration(part.blame_ns),
            ),
            part.blame_ns,
        ),
    ]
}

/// The header of [`part_cells`], after the name's.
const PART_HEADER: [&str; 10] = [
    "acquisitions",
    "contended %",
    "waits",
    "wait total",
    "share",
    "wait p50",
    "wait p99",
    "wait max",
    "hold p99",
    "blame",
];

fn write_modes(out: &mut String, lock: &LockProfile) {
    let rows = MODES
        .iter()
        .map(|&m| (m, lock.mode_part(m)))
        .filter(|(_, part)| !part.is_empty())
        .map(|(m, part)| {
            let mut row = vec![Cell::Text(mode_name(m).to_owned())];
            row.extend(part_cells(&part, lock.wait.total));
            row
        })
        .collect();
    let mut header = vec!["mode"];
    header.extend(PART_HEADER);
    out.push_str("<h4>By mode</h4>");
    Table {
        header: &header,
        rows,
        sortable: false,
    }
    .write(out);
}

fn write_sites(out: &mut String, lock: &LockProfile) {
    let sites = lock.sites();
    let rows: Vec<Vec<Cell>> = sites
        .iter()
        .take(TOP_ROWS)
        .map(|u| {
            let part = lock.site_part(&u.name).unwrap_or_default();
            let mut row = vec![Cell::Text(u.name.clone())];
            row.extend(part_cells(&part, lock.wait.total));
            row
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let mut header = vec!["acquire site"];
    header.extend(PART_HEADER);
    out.push_str("<h4>Acquire sites</h4>");
    Table {
        header: &header,
        rows,
        sortable: true,
    }
    .write(out);
    more(out, sites.len());
}

fn write_holders(out: &mut String, lock: &LockProfile) {
    let mut holders = lock.holders();
    holders.retain(|u| u.cell.blame_ns > 0);
    let rows: Vec<Vec<Cell>> = holders
        .iter()
        .take(TOP_ROWS)
        .map(|u| {
            let c = &u.cell;
            vec![
                Cell::Text(u.name.clone()),
                Cell::num(
                    approx(c.blame_is_estimated(), humanize::duration(c.blame_ns)),
                    c.blame_ns,
                ),
                Cell::float(
                    humanize::percent(percent(c.blame_ns, lock.blame_ns)),
                    percent(c.blame_ns, lock.blame_ns),
                ),
                Cell::num(
                    approx(c.holds_are_estimated(), humanize::count(c.holds)),
                    c.holds,
                ),
            ]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("<h4>Who made others wait</h4>");
    Table {
        header: &["holder thread", "blame", "share", "holds"],
        rows,
        sortable: true,
    }
    .write(out);
    more(out, holders.len());
}

/// A note of the rows a table left out.
fn more(out: &mut String, rows: usize) {
    if rows > TOP_ROWS {
        let _ = write!(
            out,
            "<p class=\"muted\">… and {} more (the text and JSON reports list all)</p>",
            humanize::count((rows - TOP_ROWS) as u64)
        );
    }
}
