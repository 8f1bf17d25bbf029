//! The page's two overviews: every lock in one sortable table, and the waits paired with the
//! holds they waited for, most wait first, across the locks.

use super::markup::{Cell, Table};
use crate::model::percent;
use crate::render::names::{instances_note, lock_title, short_stack};
use crate::{LockProfile, Pair, Profile, humanize};

/// Pairs listed.
const TOP_PAIRS: usize = 20;

/// The anchor of the `index`th lock's section.
pub(super) fn lock_anchor(index: usize) -> String {
    format!("lock-{}", index + 1)
}

/// `text`, marked `~` when it includes an estimate.
pub(super) fn approx(estimated: bool, text: String) -> String {
    if estimated { format!("~{text}") } else { text }
}

/// Every lock of `profile`, one row each, in the profile's order; a click on a header sorts.
pub(super) fn write_locks(out: &mut String, profile: &Profile) {
    let rows = profile
        .locks
        .iter()
        .enumerate()
        .map(|(i, lock)| lock_row(profile, i, lock))
        .collect();
    Table {
        header: &[
            "lock",
            "kind",
            "instances",
            "acquisitions",
            "contended",
            "contended %",
            "wait total",
            "wait p50",
            "wait p99",
            "wait max",
            "hold p99",
            "blame",
        ],
        rows,
        sortable: true,
    }
    .write(out);
}

fn lock_row(profile: &Profile, index: usize, lock: &LockProfile) -> Vec<Cell> {
    let (w, h) = (lock.wait.stats(), lock.hold.stats());
    let duration = |ns: u64| Cell::num(humanize::duration(ns), ns);
    vec![
        Cell::Link {
            text: format!("{}{}", lock_title(profile, lock), instances_note(lock)),
            id: lock_anchor(index),
        },
        Cell::Text(lock.kind.as_str().to_owned()),
        Cell::num(humanize::count(lock.instances), lock.instances),
        Cell::num(humanize::count(lock.acquisitions), lock.acquisitions),
        Cell::num(humanize::count(lock.contended), lock.contended),
        Cell::float(
            humanize::percent(lock.contended_pct()),
            lock.contended_pct(),
        ),
        duration(w.total),
        duration(w.p50),
        duration(w.p99),
        duration(w.max),
        Cell::num(
            approx(lock.holds_estimated > 0, humanize::duration(h.p99)),
            h.p99,
        ),
        Cell::num(
            approx(
                lock.blame_estimated_ns > 0,
                humanize::duration(lock.blame_ns),
            ),
            lock.blame_ns,
        ),
    ]
}

/// The waits paired with the hold they waited for, across every lock, most wait first; `false`
/// when there are none.
pub(super) fn write_pairs(out: &mut String, profile: &Profile) -> bool {
    let mut pairs: Vec<(&LockProfile, &Pair)> = profile
        .locks
        .iter()
        .flat_map(|l| l.pairs.iter().map(move |p| (l, p)))
        .collect();
    pairs.sort_by_key(|(_, p)| std::cmp::Reverse(p.wait_ns));
    let rows: Vec<Vec<Cell>> = pairs
        .iter()
        .take(TOP_PAIRS)
        .map(|(lock, p)| {
            vec![
                Cell::Text(p.waiter_thread.clone()),
                // Each stack by its leaf-most frame, as the text report's pairs: the function
                // that waited, and the one that held.
                Cell::Text(short_stack(&p.waiter_frames, 1)),
                Cell::Text(p.holder_thread.clone()),
                Cell::Text(short_stack(&p.holder_frames, 1)),
                Cell::Text(lock_title(profile, lock)),
                Cell::num(humanize::count(p.waits), p.waits),
                Cell::num(humanize::duration(p.wait_ns), p.wait_ns),
                Cell::float(
                    humanize::percent(percent(p.wait_ns, lock.wait.total)),
                    percent(p.wait_ns, lock.wait.total),
                ),
            ]
        })
        .collect();
    let any = !rows.is_empty();
    Table {
        header: &[
            "waiter",
            "waiting in",
            "← holder",
            "holding in",
            "lock",
            "waits",
            "wait",
            "of the lock's wait",
        ],
        rows,
        sortable: true,
    }
    .write(out);
    any
}
