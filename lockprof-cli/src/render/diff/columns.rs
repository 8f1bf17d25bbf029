//! What the text and Markdown diffs show of each lock and site: the figures in columns, each
//! before, after and its change, formatted for people.

use crate::compare::{Figure, Figures, Regression, Stat, change_pct};
use crate::{escape, humanize};

/// The columns: each figure and its header.
pub(super) const COLUMNS: [(Figure, &str); 8] = [
    (Figure::Acquisitions, "acquisitions"),
    (Figure::ContendedPct, "contended %"),
    (Figure::Wait(Stat::Total), "wait total"),
    (Figure::Wait(Stat::P50), "wait p50"),
    (Figure::Wait(Stat::P99), "wait p99"),
    (Figure::Wait(Stat::Max), "wait max"),
    (Figure::Hold(Stat::P99), "hold p99"),
    (Figure::Blame, "blame"),
];

/// Sites shown per lock in the text and Markdown diffs (the JSON diff has them all).
pub(super) const TOP_SITES: usize = 10;

/// `value` of `figure` for people: a duration, a count or a percentage.
pub(super) fn value(figure: Figure, value: f64) -> String {
    if figure == Figure::ContendedPct {
        humanize::percent(value)
    } else if figure.is_duration() {
        humanize::duration(value as u64)
    } else {
        humanize::count(value as u64)
    }
}

/// The three rows of a lock or site, `before`, `after`, `change`, each a cell per column: `—`
/// where the run does not have it, `new` and `gone` for the change of what only one run has.
pub(super) fn rows(base: Option<Figures>, new: Option<Figures>) -> [Vec<String>; 3] {
    let side = |f: Option<Figures>| -> Vec<String> {
        COLUMNS
            .iter()
            .map(|&(figure, _)| f.map_or_else(|| "—".to_owned(), |f| value(figure, f.get(figure))))
            .collect()
    };
    let change = COLUMNS
        .iter()
        .map(|&(figure, _)| match (base, new) {
            (Some(b), Some(n)) => change(b.get(figure), n.get(figure)),
            (None, Some(_)) => "new".to_owned(),
            (Some(_), None) => "gone".to_owned(),
            (None, None) => String::new(),
        })
        .collect();
    [side(base), side(new), change]
}

/// The change from `base` to `new`: `+20.0%`, `-5.0%`, `0.0%`, or `new` from zero.
pub(super) fn change(base: f64, new: f64) -> String {
    match change_pct(base, new) {
        Some(c) if c > 0.0 => format!("+{}", humanize::percent(c)),
        Some(c) => humanize::percent(c),
        None => "from 0".to_owned(),
    }
}

/// One line naming a regression: `lock "ledger" (mutex): wait.p99 grew +45.0% (30.0 ms →
/// 43.5 ms), past +20.0%`, safe for a terminal.
pub fn regression_line(r: &Regression) -> String {
    format!(
        "lock {} ({}): {}",
        escape::quoted(&r.lock),
        r.kind.as_str(),
        regression_figures(r)
    )
}

/// What grew, by how much, past what: `wait.p99 grew +45.0% (30.0 ms → 43.5 ms), past +20.0%`,
/// without the lock's name, which each output writes escaped its own way.
pub(super) fn regression_figures(r: &Regression) -> String {
    let figure = r.threshold.figure;
    let grew = match r.change_pct {
        Some(c) => format!("+{}", humanize::percent(c)),
        None => "from 0".to_owned(),
    };
    format!(
        "{figure} grew {grew} ({} → {}), past +{}",
        value(figure, r.base),
        value(figure, r.new),
        humanize::percent(r.threshold.pct)
    )
}
