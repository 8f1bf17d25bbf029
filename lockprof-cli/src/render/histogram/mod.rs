//! `lockprof histogram`: the distribution of waits, holds or blame, as an ASCII histogram per
//! lock or as HdrHistogram's percentile-distribution text (`.hgrm`, which its plotter reads).

use std::io::{self, Write};

use hdrhistogram::Histogram;

use crate::buckets::{ONE_TWO_FIVE, bar, log_buckets};
use crate::model::{add_histogram, new_histogram, percent, stats_of};
use crate::render::names::lock_title;
use crate::{Distribution, LockProfile, Profile, escape, humanize};

/// Which distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Metric {
    /// Time each contended acquisition waited.
    #[default]
    Wait,
    /// Time each measured hold lasted.
    Hold,
    /// Time others waited during each hold reported individually.
    Blame,
}

impl Metric {
    /// The metric's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Wait => "wait",
            Metric::Hold => "hold",
            Metric::Blame => "blame",
        }
    }

    /// The distribution of `lock` this metric reads.
    pub fn of(self, lock: &LockProfile) -> &Distribution {
        match self {
            Metric::Wait => &lock.wait,
            Metric::Hold => &lock.hold,
            Metric::Blame => &lock.blame,
        }
    }
}

/// Output format of `histogram`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum HistogramFormat {
    /// An ASCII histogram per lock.
    #[default]
    Text,
    /// HdrHistogram percentile distribution of all selected locks merged, values in ms.
    Hgrm,
}

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
        let name = escape::terminal(&lock.name);
        let title = lock_title(profile, lock, &name);
        writeln!(
            out,
            "{} of lock {title} ({}): {}, total {}",
            metric.as_str(),
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

/// `metric` of every lock of `profile`, merged into one histogram.
pub fn merged(profile: &Profile, metric: Metric) -> Histogram<u64> {
    let mut h = new_histogram();
    for lock in &profile.locks {
        add_histogram(&mut h, &metric.of(lock).hist);
    }
    h
}

/// Nanoseconds per output unit of `.hgrm` values: milliseconds, the unit HdrHistogram's plotter
/// labels its axis with.
pub const HGRM_UNIT_NS: f64 = 1e6;

/// Decimals of `.hgrm` values: enough to keep nanoseconds.
const HGRM_DECIMALS: usize = 6;

/// Percentile ticks per half distance, as HdrHistogram's own tools default to.
const TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Writes `hist` as HdrHistogram's percentile distribution (the format of Java's
/// `outputPercentileDistribution`), values in milliseconds.
///
/// # Errors
/// Only errors of `out`.
pub fn write_hgrm(hist: &Histogram<u64>, mut out: impl Write) -> io::Result<()> {
    const D: usize = HGRM_DECIMALS;
    writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    )?;
    let ms = |ns: u64| ns as f64 / HGRM_UNIT_NS;
    if !hist.is_empty() {
        let mut total: u64 = 0;
        for v in hist.iter_quantiles(TICKS_PER_HALF_DISTANCE) {
            total = total.saturating_add(v.count_since_last_iteration());
            let q = v.quantile_iterated_to();
            let value = ms(v.value_iterated_to());
            if q < 1.0 {
                writeln!(
                    out,
                    "{value:12.D$} {q:2.12} {total:10} {:14.2}",
                    1.0 / (1.0 - q)
                )?;
            } else {
                writeln!(out, "{value:12.D$} {q:2.12} {total:10}")?;
            }
        }
    }
    let s = stats_of(hist, 0);
    let mean = if hist.is_empty() { 0.0 } else { hist.mean() };
    let stdev = if hist.is_empty() { 0.0 } else { hist.stdev() };
    writeln!(
        out,
        "#[Mean    = {:12.D$}, StdDeviation   = {:12.D$}]",
        mean / HGRM_UNIT_NS,
        stdev / HGRM_UNIT_NS
    )?;
    writeln!(
        out,
        "#[Max     = {:12.D$}, Total count    = {:12}]",
        ms(s.max),
        s.count
    )?;
    let sub_buckets = (2 * 10u64.pow(u32::from(hist.sigfig()))).next_power_of_two();
    writeln!(
        out,
        "#[Buckets = {:12}, SubBuckets     = {:12}]",
        hist.buckets(),
        sub_buckets
    )
}
