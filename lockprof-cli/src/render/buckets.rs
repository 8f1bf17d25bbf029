//! Log-scale buckets of a histogram and their bars, for the ASCII histograms of the text report
//! and of `histogram`.

use hdrhistogram::Histogram;

use crate::humanize;

/// Values in `[lo, hi)` (no upper bound when `hi` is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Inclusive lower bound, ns.
    pub(crate) lo: u64,
    /// Exclusive upper bound, ns.
    pub(crate) hi: Option<u64>,
    /// Number of values (weighted).
    pub(crate) count: u64,
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
    for v in hist.iter_recorded() {
        // The top of the value's precision range: a value recorded exactly on a boundary (5 ms)
        // lands in the bucket it starts, not the one below.
        let value = v.value_iterated_to();
        let i = bounds.partition_point(|&b| b <= value).saturating_sub(1);
        counts[i] = counts[i].saturating_add(v.count_at_value());
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
        })
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
                    count: 3
                },
                Bucket {
                    lo: 10_000,
                    hi: Some(100_000),
                    count: 0
                },
                Bucket {
                    lo: 100_000,
                    hi: Some(1_000_000),
                    count: 1
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
                count: 1
            }
        );
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0, 10, 20), "");
        assert_eq!(bar(1, 1000, 20), "#");
        assert_eq!(bar(10, 10, 20).len(), 20);
    }
}
