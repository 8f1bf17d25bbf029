//! A [`Distribution`] under construction: values are counted in HdrHistogram's own buckets with a
//! few instructions each and moved into the histogram once, at the end.
//!
//! `Histogram::record_n` costs about 90 instructions (bounds and resize checks, min/max and total
//! upkeep), and the aggregator records one to two values per event, which made it the largest
//! single cost of aggregating a trace. Counting per bucket and recording each bucket once gives the
//! same histogram: same counts, same total, and min, max and every percentile read the same,
//! because HdrHistogram reports them per bucket (lowest or highest equivalent value).

use hdrhistogram::Histogram;

use crate::model::{Distribution, SIGFIG, record_n};

/// HdrHistogram's layout for `Histogram::new(SIGFIG)` (lowest discernible value 1): 2^11 sub-buckets
/// cover 2 × 10^3 with unit resolution, the top half of each later bucket is used.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 = 11;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_COUNT_MAGNITUDE) - 1;
const LEADING_ZERO_COUNT_BASE: u32 = 64 - SUB_BUCKET_COUNT_MAGNITUDE;

// The constants above are HdrHistogram's for 3 significant digits; another precision needs others.
const _: () = assert!(SIGFIG == 3, "update the bucket layout for the new SIGFIG");

/// Values from here up (18 minutes and more: rare, or corrupt) go straight to the histogram, so a
/// hostile value cannot make the bucket table big. The table covers what the histogram would.
const STAGED_LIMIT: u64 = 1 << 40;

/// The bucket of `value` in the histogram's counts array (HdrHistogram's `index_for`).
#[inline(always)]
fn bucket_index(value: u64) -> usize {
    let bucket = LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT
}

/// The lowest value of bucket `index` (HdrHistogram's `value_for`).
fn bucket_value(index: usize) -> u64 {
    let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as u32;
    let sub_bucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) as u64;
    match bucket.checked_sub(1) {
        // The lower half of the first bucket.
        None => sub_bucket,
        Some(bucket) => (sub_bucket + SUB_BUCKET_HALF_COUNT as u64) << bucket,
    }
}

/// Builds a [`Distribution`]: [`record_n`](Self::record_n) is the hot path,
/// [`finish`](Self::finish) hands over the result.
#[derive(Debug, Default)]
pub(crate) struct DistributionBuilder {
    /// Merged summaries, large values, and the exact total.
    dist: Distribution,
    /// Counts per bucket of the values below [`STAGED_LIMIT`] not yet in `dist.hist`; grows to
    /// the largest bucket used, as the histogram itself would.
    counts: Vec<u64>,
}

impl DistributionBuilder {
    /// Records `weight` values of `value` ns.
    #[inline]
    pub(crate) fn record_n(&mut self, value: u64, weight: u64) {
        if value >= STAGED_LIMIT {
            self.dist.record_n(value, weight);
            return;
        }
        let index = bucket_index(value);
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        if let Some(count) = self.counts.get_mut(index) {
            *count = count.saturating_add(weight);
        }
        self.dist.total = self.dist.total.saturating_add(value.saturating_mul(weight));
    }

    /// Adds a histogram whose values sum to `total`.
    pub(crate) fn merge(&mut self, hist: &Histogram<u64>, total: u64) {
        self.dist.merge(hist, total);
    }

    /// Adds to the total only (values whose histogram is unusable).
    pub(crate) fn add_total(&mut self, total: u64) {
        self.dist.total = self.dist.total.saturating_add(total);
    }

    /// The distribution of everything recorded.
    pub(crate) fn finish(self) -> Distribution {
        let DistributionBuilder { mut dist, counts } = self;
        for (index, &count) in counts.iter().enumerate() {
            if count > 0 {
                record_n(&mut dist.hist, bucket_value(index), count);
            }
        }
        dist
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values around every bucket boundary up to the staged limit and beyond.
    fn values() -> Vec<u64> {
        let mut v = vec![0, 1, 2, 999, 1000, 1023, 1024, 2047, 2048, 2049, 4095, 4096];
        for shift in 0..64 {
            let p = 1u64 << shift;
            v.extend([p - 1, p, p + 1, p | (p >> 1), p.saturating_mul(3) / 2]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x >> (x % 64));
        }
        v
    }

    #[test]
    fn buckets_are_hdrhistograms() {
        let h = Histogram::<u64>::new_with_max(STAGED_LIMIT, SIGFIG).expect("valid");
        for value in values().into_iter().filter(|&v| v < STAGED_LIMIT) {
            let index = bucket_index(value);
            let low = bucket_value(index);
            assert_eq!(low, h.lowest_equivalent(value), "{value}");
            assert!(h.equivalent(low, value), "{value}");
            assert_eq!(bucket_index(low), index, "{value}");
        }
    }

    #[test]
    fn the_result_is_what_direct_recording_gives() {
        let mut direct = Distribution::default();
        let mut built = DistributionBuilder::default();
        for (i, value) in values().into_iter().enumerate() {
            let weight = 1 + (i as u64 % 5);
            direct.record_n(value, weight);
            built.record_n(value, weight);
        }
        let summary = {
            let mut h = Histogram::new(SIGFIG).expect("valid");
            h.record_n(12_345, 7).expect("in range");
            h
        };
        direct.merge(&summary, 12_345 * 7);
        built.merge(&summary, 12_345 * 7);
        let built = built.finish();
        assert_eq!(built.total, direct.total);
        assert_eq!(built.stats(), direct.stats());
        let (b, d) = (&built.hist, &direct.hist);
        assert_eq!(
            (b.len(), b.min(), b.max(), b.min_nz()),
            (d.len(), d.min(), d.max(), d.min_nz())
        );
        assert_eq!(b.mean().to_bits(), d.mean().to_bits());
        let buckets = |h: &Histogram<u64>| -> Vec<(u64, u64)> {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        assert_eq!(buckets(b), buckets(d));
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(b.value_at_quantile(q), d.value_at_quantile(q), "{q}");
        }
    }
}
