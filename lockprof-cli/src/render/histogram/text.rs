//! The ASCII histogram of one metric, per lock: each bucket by count and by time (a storm of
//! short waits is most of the count and little of the time), then, for waits and holds, the
//! percentiles of each acquire site and of each mode of an `RwLock`.

use std::io::{self, Write};

use lockprof::LockKind;

use super::metric::Metric;
use crate::render::buckets::{ONE_TWO_FIVE, bar, log_buckets, shares};
use crate::render::names::{instances_note, lock_title};
use crate::{Distribution, LockProfile, MODES, Part, Profile, escape, humanize, mode_name};

/// Width of each of the two bars (by count, by time).
const BAR_WIDTH: usize = 25;

/// Writes an ASCII histogram of `metric` for each lock of `profile` that has values.
///
/// # Errors
/// Only errors of `out`.
pub fn write_text(profile: &Profile, metric: Metric, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    let mut any = false;
    for lock in &profile.locks {
        let dist = metric.of(lock);
        if dist.is_empty() {
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
        let buckets = log_buckets(&dist.histogram(), ONE_TWO_FIVE);
        let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
        let max_time = buckets.iter().map(|b| b.time).max().unwrap_or(0);
        let labels: Vec<String> = buckets.iter().map(|b| b.label()).collect();
        let counts: Vec<String> = buckets.iter().map(|b| humanize::count(b.count)).collect();
        let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let cw = counts.iter().map(String::len).max().unwrap_or(0);
        // Over the bars: which is which.
        let by_time = format!("by {} time", metric.as_str());
        writeln!(
            out,
            "  {:lw$}  {:<w$}  {by_time}",
            "",
            "by count",
            w = BAR_WIDTH + 2 + 2 + cw + 2 + 6,
        )?;
        for (((b, label), count), (count_pct, time_pct)) in buckets
            .iter()
            .zip(&labels)
            .zip(&counts)
            .zip(shares(&buckets))
        {
            let pad = lw - label.chars().count();
            writeln!(
                out,
                "  {label}{:pad$}  |{:<BAR_WIDTH$}|  {count:>cw$}  {:>6}  |{:<BAR_WIDTH$}|  {:>6}",
                "",
                bar(b.count, max, BAR_WIDTH),
                humanize::percent(count_pct),
                bar(b.time, max_time, BAR_WIDTH),
                humanize::percent(time_pct),
            )?;
        }
        if metric != Metric::Blame {
            write_parts(lock, metric, out)?;
        }
    }
    if !any {
        writeln!(out, "no {} values recorded", metric.as_str())?;
    }
    Ok(())
}

/// The percentiles of `metric` at each acquire site, and in each mode of an `RwLock`, when the
/// lock has more than one. (Blame is known per site and mode only as a total.)
fn write_parts(lock: &LockProfile, metric: Metric, out: &mut impl Write) -> io::Result<()> {
    let of = |p: &Part| -> Distribution {
        match metric {
            Metric::Hold => p.hold.clone(),
            _ => p.wait.clone(),
        }
    };
    let mut sites: Vec<(String, Distribution)> = Vec::new();
    for p in &lock.parts {
        let dist = of(&p.part);
        match sites.last_mut() {
            Some((site, sum)) if *site == p.site => sum.merge(&dist),
            _ => sites.push((escape::terminal(&p.site).into_owned(), dist)),
        }
    }
    write_rows(out, "by site", sites)?;
    if lock.kind == LockKind::RwLock {
        let modes = MODES
            .iter()
            .map(|&m| (mode_name(m).to_owned(), of(&lock.mode_part(m))))
            .collect();
        write_rows(out, "by mode", modes)?;
    }
    Ok(())
}

/// A titled list of `(name, distribution)`, if more than one has values.
fn write_rows(
    out: &mut impl Write,
    title: &str,
    mut rows: Vec<(String, Distribution)>,
) -> io::Result<()> {
    rows.retain(|(_, d)| !d.is_empty());
    if rows.len() < 2 {
        return Ok(());
    }
    writeln!(out, "  {title}")?;
    let nw = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let counts: Vec<String> = rows
        .iter()
        .map(|(_, d)| humanize::count_of(d.stats().count, "value"))
        .collect();
    let cw = counts.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    for ((name, dist), count) in rows.iter().zip(&counts) {
        let s = dist.stats();
        let pad = nw - name.chars().count();
        writeln!(
            out,
            "    {name}{:pad$}  {count:>cw$}   p50 {}   p90 {}   p99 {}   max {}",
            "",
            humanize::duration(s.p50),
            humanize::duration(s.p90),
            humanize::duration(s.p99),
            humanize::duration(s.max),
        )?;
    }
    Ok(())
}
