//! The ASCII histogram of one metric, per lock.

use std::io::{self, Write};

use super::metric::Metric;
use crate::model::percent;
use crate::render::buckets::{ONE_TWO_FIVE, bar, log_buckets};
use crate::render::names::{instances_note, lock_title};
use crate::{Profile, escape, humanize};

/// Width of the bars.
const BAR_WIDTH: usize = 40;

/// Writes an ASCII histogram of `metric` for each lock of `profile` that has values.
///
/// # Errors
/// Only errors of `out`.
pub fn write_text(profile: &Profile, metric: Metric, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    let mut any = false;
    for lock in &profile.locks {
        let dist = metric.of(lock);
        if dist.hist.is_empty() {
            continue;
        }
        if any {
            writeln!(out)?;
        }
        any = true;
        let s = dist.stats();
        let title = lock_title(profile, lock);
        let title = escape::terminal(&title);
        writeln!(
            out,
            "{} of lock {title}{} ({}): {}, total {}",
            metric.as_str(),
            instances_note(lock),
            lock.kind.as_str(),
            humanize::count_of(s.count, "value"),
            humanize::duration(s.total),
        )?;
        if metric == Metric::Hold && lock.holds_estimated > 0 {
            writeln!(
                out,
                "  ({} of them estimated from sampled holds: the percentiles are estimates)",
                humanize::count(lock.holds_estimated.min(s.count)),
            )?;
        }
        writeln!(
            out,
            "  p50 {}   p90 {}   p99 {}   p99.9 {}   max {}",
            humanize::duration(s.p50),
            humanize::duration(s.p90),
            humanize::duration(s.p99),
            humanize::duration(s.p999),
            humanize::duration(s.max),
        )?;
        if metric == Metric::Blame && lock.blame_ns > s.total {
            writeln!(
                out,
                "  (plus {} of blame from short holds, known only as a total)",
                humanize::duration(lock.blame_ns - s.total)
            )?;
        }
        let buckets = log_buckets(&dist.hist, ONE_TWO_FIVE);
        let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
        let labels: Vec<String> = buckets.iter().map(|b| b.label()).collect();
        let counts: Vec<String> = buckets.iter().map(|b| humanize::count(b.count)).collect();
        let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let cw = counts.iter().map(String::len).max().unwrap_or(0);
        for ((b, label), count) in buckets.iter().zip(&labels).zip(&counts) {
            let pad = lw - label.chars().count();
            writeln!(
                out,
                "  {label}{:pad$}  |{:<BAR_WIDTH$}|  {count:>cw$}  {:>6}",
                "",
                bar(b.count, max, BAR_WIDTH),
                humanize::percent(percent(b.count, s.count)),
            )?;
        }
    }
    if !any {
        writeln!(out, "no {} values recorded", metric.as_str())?;
    }
    Ok(())
}
