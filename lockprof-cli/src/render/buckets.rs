//! Log-scale buckets of a histogram and their bars, for the ASCII histograms of the text report
//! and of `histogram`, and the pictures of the HTML report. Each bucket has its count and its
//! time: a storm of short waits can be most of the waits and little of the time waited, which
//! counts alone hide.

use hdrhistogram::Histogram;

use crate::humanize;
use crate::model::percent;

/// Values in `[lo, hi)` (no upper bound when `hi` is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Inclusive lower bound, ns.
    pub(crate) lo: u64,
    /// Exclusive upper bound, ns.
    pub(crate) hi: Option<u64>,
    /// Number of values (weighted).
    pub(crate) count: u64,
    /// Sum of the values, ns, to the histogram's precision (each value counted as the middle of
    /// its 0.1 % wide bucket).
    pub(crate) time: u64,
}

impl Bucket {
    /// `1 µs – 10 µs`, `< 1 µs`, `≥ 1 s`.
    pub(crate) fn label(&self) -> String {
        match (self.lo, self.hi) {
            (0, Some(hi)) => format!("< {}", humanize::boundary(hi)),
            (lo, Some(hi)) => format!("{} – {}", humanize::boundary(lo), humanize::boundary(hi)),
            (lo, None) => format!("≥ {}", humanize::boundary(lo)),
        }
    }
}

/// One bucket per decade: 1 ns, 10 ns, 100 ns, …
pub(crate) const DECADES: &[u64] = &[1];
/// Three buckets per decade: 1, 2, 5, 10, 20, 50, …
pub(crate) const ONE_TWO_FIVE: &[u64] = &[1, 2, 5];

/// Counts of `hist` in log-scale buckets with bounds `step × 10^k` for each `step` in `steps`,
/// from the first non-empty bucket to the last (empty buckets between them included).
pub(crate) fn log_buckets(hist: &Histogram<u64>, steps: &[u64]) -> Vec<Bucket> {
    let mut bounds = vec![0u64];
    let mut decade: u64 = 1;
    loop {
        for &s in steps {
            if let Some(b) = s.checked_mul(decade) {
                bounds.push(b);
            }
        }
        match decade.checked_mul(10) {
            Some(d) => decade = d,
            None => break,
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut counts = vec![0u64; bounds.len()];
    let mut times = vec![0u64; bounds.len()];
    for v in hist.iter_recorded() {
        // The top of the value's precision range: a value recorded exactly on a boundary (5 ms)
        // lands in the bucket it starts, not the one below.
        let value = v.value_iterated_to();
        let i = bounds.partition_point(|&b| b <= value).saturating_sub(1);
        counts[i] = counts[i].saturating_add(v.count_at_value());
        let time = hist
            .median_equivalent(value)
            .saturating_mul(v.count_at_value());
        times[i] = times[i].saturating_add(time);
    }
    let (Some(first), Some(last)) = (
        counts.iter().position(|&c| c > 0),
        counts.iter().rposition(|&c| c > 0),
    ) else {
        return Vec::new();
    };
    (first..=last)
        .map(|i| Bucket {
            lo: bounds[i],
            hi: bounds.get(i + 1).copied(),
            count: counts[i],
            time: times[i],
        })
        .collect()
}

/// The buckets' counts and times in percent of their sums: `(count %, time %)` per bucket.
pub(crate) fn shares(buckets: &[Bucket]) -> Vec<(f64, f64)> {
    let sum = |f: fn(&Bucket) -> u64| buckets.iter().fold(0u64, |s, b| s.saturating_add(f(b)));
    let (count, time) = (sum(|b| b.count), sum(|b| b.time));
    buckets
        .iter()
        .map(|b| (percent(b.count, count), percent(b.time, time)))
        .collect()
}

/// A bar of `width × count / max` characters.
pub(crate) fn bar(count: u64, max: u64, width: usize) -> String {
    if max == 0 || count == 0 {
        return String::new();
    }
    let n = ((count as f64 / max as f64) * width as f64).round() as usize;
    "#".repeat(n.clamp(1, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_trimmed_with_gaps() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        h.record_n(1_500, 3).unwrap();
        h.record(250_000).unwrap();
        let b = log_buckets(&h, DECADES);
        assert_eq!(
            b,
            [
                Bucket {
                    lo: 1_000,
                    hi: Some(10_000),
                    count: 3,
                    time: 4_500,
                },
                Bucket {
                    lo: 10_000,
                    hi: Some(100_000),
                    count: 0,
                    time: 0,
                },
                Bucket {
                    lo: 100_000,
                    hi: Some(1_000_000),
                    count: 1,
                    // 250 000 is in a bucket 128 wide, from 249 984: its middle.
                    time: 250_048,
                },
            ]
        );
        assert!(log_buckets(&Histogram::<u64>::new(3).unwrap(), DECADES).is_empty());
        let mut z = Histogram::<u64>::new(3).unwrap();
        z.record(0).unwrap();
        assert_eq!(
            log_buckets(&z, ONE_TWO_FIVE)[0],
            Bucket {
                lo: 0,
                hi: Some(1),
                count: 1,
                time: 0,
            }
        );
    }

    #[test]
    fn a_few_long_values_are_most_of_the_time() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        h.record_n(50, 950).unwrap();
        h.record_n(3_000_000, 50).unwrap();
        let b = log_buckets(&h, DECADES);
        let s = shares(&b);
        let (first, last) = (s[0], s[s.len() - 1]);
        assert!((first.0 - 95.0).abs() < 1e-9 && first.1 < 0.1, "{first:?}");
        assert!((last.0 - 5.0).abs() < 1e-9 && last.1 > 99.9, "{last:?}");
        assert!(shares(&[]).is_empty());
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0, 10, 20), "");
        assert_eq!(bar(1, 1000, 20), "#");
        assert_eq!(bar(10, 10, 20).len(), 20);
    }
}
