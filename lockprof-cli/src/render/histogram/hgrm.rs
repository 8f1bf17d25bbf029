//! HdrHistogram's percentile-distribution text (`.hgrm`): what Java's
//! `outputPercentileDistribution` writes and HdrHistogram's plotter reads.

use std::io::{self, Write};

use hdrhistogram::Histogram;

use crate::model::stats_of;

/// Nanoseconds per output unit of `.hgrm` values: milliseconds, the unit HdrHistogram's plotter
/// labels its axis with.
const HGRM_UNIT_NS: f64 = 1e6;

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
