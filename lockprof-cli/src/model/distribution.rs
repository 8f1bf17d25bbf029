//! Distributions of nanosecond values: counts per HdrHistogram bucket plus the exact sum of the
//! values, and the statistics read from them.

use hdrhistogram::Histogram;
use serde::Serialize;

use super::bucket_counts::BucketCounts;
use super::summary_hist::SummaryHist;

/// Significant digits of every histogram the CLI keeps (and of the percentiles it reports).
pub(crate) const SIGFIG: u8 = 3;

/// An empty auto-resizing histogram with [`SIGFIG`] significant digits.
pub(crate) fn new_histogram() -> Histogram<u64> {
    // SIGFIG is a valid precision, so creation cannot fail; fall back to the least precise
    // histogram rather than panic if that ever changes.
    Histogram::new(SIGFIG).unwrap_or_else(|_| Histogram::new(1).expect("sigfig 1 is valid"))
}

/// Summary statistics of one distribution in nanoseconds: the `wait_ns` / `hold_ns` objects of
/// the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Number of values (weighted: sampled events count `weight` times).
    pub count: u64,
    /// Exact sum of the values (weighted).
    pub total: u64,
    /// `total / count`, rounded.
    pub mean: u64,
    /// Median, to the histogram's precision.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
}

/// A distribution of nanosecond values: counts per histogram bucket plus the exact sum of the
/// values.
#[derive(Clone, Debug, Default)]
pub struct Distribution {
    /// The values, 3 significant digits, counts weighted.
    counts: BucketCounts,
    /// Exact (weighted) sum of the values.
    pub total: u64,
}

impl Distribution {
    /// Records `weight` values of `value` ns.
    #[inline]
    pub(crate) fn record_n(&mut self, value: u64, weight: u64) {
        self.counts.record_n(value, weight);
        self.total = self.total.saturating_add(value.saturating_mul(weight));
    }

    /// Adds `other`'s values.
    pub(crate) fn merge(&mut self, other: &Distribution) {
        self.counts.add_counts(&other.counts);
        self.total = self.total.saturating_add(other.total);
    }

    /// Adds a summary's histogram, whose values sum to `total`.
    pub(crate) fn merge_histogram(&mut self, hist: SummaryHist<'_>, total: u64) {
        self.counts.add_buckets(hist.buckets());
        self.add_total(total);
    }

    /// Adds to the total only (values whose histogram is unusable).
    pub(crate) fn add_total(&mut self, total: u64) {
        self.total = self.total.saturating_add(total);
    }

    /// Whether no value was recorded (the total may still be non-zero).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The values as a histogram of 3 significant digits: made on each call, for a view
    /// to read (the distribution keeps only the buckets that hold values).
    pub fn histogram(&self) -> Histogram<u64> {
        self.counts.to_histogram()
    }

    /// Count, total, mean, percentiles and max.
    pub fn stats(&self) -> Stats {
        stats_of(&self.histogram(), self.total)
    }
}

/// Records `count` values of `value`, growing the histogram as needed; only a value beyond any
/// histogram's range (≥ 2^62 ns, 146 years) is clamped.
#[inline]
pub(crate) fn record_n(hist: &mut Histogram<u64>, value: u64, count: u64) {
    if hist.record_n(value, count).is_err() {
        hist.saturating_record_n(value, count);
    }
}

/// Adds `src` into `dst`, dropping values `dst` cannot represent rather than failing.
pub(crate) fn add_histogram(dst: &mut Histogram<u64>, src: &Histogram<u64>) {
    if dst.add(src).is_err() {
        for v in src.iter_recorded() {
            record_n(dst, v.value_iterated_to(), v.count_at_value());
        }
    }
}

/// [`Stats`] of `hist`, whose values sum to `total`.
pub(crate) fn stats_of(hist: &Histogram<u64>, total: u64) -> Stats {
    let count = hist.len();
    if count == 0 {
        return Stats {
            total,
            ..Stats::default()
        };
    }
    Stats {
        count,
        total,
        mean: ((total as u128 + count as u128 / 2) / count as u128) as u64,
        p50: hist.value_at_quantile(0.5),
        p90: hist.value_at_quantile(0.9),
        p99: hist.value_at_quantile(0.99),
        p999: hist.value_at_quantile(0.999),
        max: hist.max(),
    }
}
