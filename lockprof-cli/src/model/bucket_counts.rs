//! Counts per HdrHistogram bucket, kept sparse.
//!
//! A `Histogram` holds a dense counts array up to its largest value: tens to hundreds of
//! kilobytes once values reach milliseconds, even for a handful of values. A report keeps several
//! distributions per lock class and acquire site, so a trace with a thousand classes made the CLI
//! hold hundreds of megabytes of zeros. These counts take memory only for the pages of buckets
//! that hold values, and a table of pages a thirty-second the size of the dense array. The buckets are those of `Histogram::new(SIGFIG)`, so the histogram
//! made from them ([`BucketCounts::to_histogram`]) is the one recording the values would have
//! made: same counts, and min, max and every percentile read the same, because HdrHistogram
//! reports them per bucket (its lowest or highest equivalent value).

use hdrhistogram::Histogram;

use super::distribution::{SIGFIG, new_histogram, record_n};

/// HdrHistogram's layout for `Histogram::new(SIGFIG)` (lowest discernible value 1): 2^11
/// sub-buckets cover 2 × 10^3 with unit resolution, the top half of each later bucket is used.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 = 11;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_COUNT_MAGNITUDE) - 1;
const LEADING_ZERO_COUNT_BASE: u32 = 64 - SUB_BUCKET_COUNT_MAGNITUDE;

// The constants above are HdrHistogram's for 3 significant digits; another precision needs others.
const _: () = assert!(SIGFIG == 3, "update the bucket layout for the new SIGFIG");

/// Buckets per page, the unit in which counts are allocated: values close together (the usual
/// case) share pages.
const PAGE_MAGNITUDE: u32 = 5;
const PAGE_LEN: usize = 1 << PAGE_MAGNITUDE;

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

/// Weighted counts of values per HdrHistogram bucket, allocated a page of buckets at a time.
#[derive(Clone, Debug, Default)]
pub(crate) struct BucketCounts {
    /// Page `n` holds the counts of buckets `n × PAGE_LEN` onwards, if any of them holds a value.
    /// The table is a thirty-second of the dense counts array; the pages are what is used.
    pages: Vec<Option<Box<[u64; PAGE_LEN]>>>,
    /// The number of values (saturating, as a histogram's).
    len: u64,
}

impl BucketCounts {
    /// Counts `count` more values of `value`.
    #[inline]
    pub(crate) fn record_n(&mut self, value: u64, count: u64) {
        self.add(bucket_index(value), count);
    }

    /// Counts `count` more values in bucket `index`.
    #[inline]
    fn add(&mut self, index: usize, count: u64) {
        if count == 0 {
            return;
        }
        let number = index >> PAGE_MAGNITUDE;
        if number >= self.pages.len() {
            self.pages.resize(number + 1, None);
        }
        let page = self.pages[number].get_or_insert_with(|| Box::new([0; PAGE_LEN]));
        let slot = &mut page[index & (PAGE_LEN - 1)];
        *slot = slot.saturating_add(count);
        self.len = self.len.saturating_add(count);
    }

    /// Adds `other`'s counts.
    pub(crate) fn add_counts(&mut self, other: &BucketCounts) {
        for (index, count) in other.buckets() {
            self.add(index, count);
        }
    }

    /// Adds a histogram's buckets, given as their lowest values and counts: each at its lowest
    /// value, as `Histogram::add` does with a histogram of another layout.
    pub(crate) fn add_buckets(&mut self, buckets: &[(u64, u64)]) {
        for &(value, count) in buckets {
            self.record_n(value, count);
        }
    }

    /// Whether no value was counted.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The buckets that hold values, in order, with their counts.
    fn buckets(&self) -> impl DoubleEndedIterator<Item = (usize, u64)> + '_ {
        let pages = self.pages.iter().enumerate();
        pages.flat_map(|(number, page)| {
            let first = number << PAGE_MAGNITUDE;
            page.iter().flat_map(move |counts| {
                counts
                    .iter()
                    .enumerate()
                    .filter(|&(_, &count)| count != 0)
                    .map(move |(i, &count)| (first + i, count))
            })
        })
    }

    /// The histogram of these values, [`SIGFIG`] significant digits.
    pub(crate) fn to_histogram(&self) -> Histogram<u64> {
        let mut hist = new_histogram();
        // Largest first, so that the histogram grows once.
        for (index, count) in self.buckets().rev() {
            record_n(&mut hist, bucket_value(index), count);
        }
        hist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SummaryHist;

    /// Values around every bucket boundary, and beyond any histogram's range.
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
        let h = Histogram::<u64>::new_with_max(1 << 62, SIGFIG).expect("valid");
        for value in values().into_iter().filter(|&v| v < 1 << 62) {
            let index = bucket_index(value);
            let low = bucket_value(index);
            assert_eq!(low, h.lowest_equivalent(value), "{value}");
            assert!(h.equivalent(low, value), "{value}");
            assert_eq!(bucket_index(low), index, "{value}");
        }
    }

    #[test]
    fn the_histogram_is_what_direct_recording_gives() {
        let mut direct = new_histogram();
        let mut counted = BucketCounts::default();
        for (i, value) in values().into_iter().enumerate() {
            let weight = 1 + (i as u64 % 5);
            record_n(&mut direct, value, weight);
            counted.record_n(value, weight);
        }
        let summary = {
            let mut h = Histogram::new(SIGFIG).expect("valid");
            h.record_n(12_345, 7).expect("in range");
            h.record_n(3, 2).expect("in range");
            h
        };
        direct.add(&summary).expect("same layout");
        counted.add_buckets(SummaryHist::gather(&summary, &mut Vec::new()).buckets());
        let merged = {
            let mut m = BucketCounts::default();
            m.add_counts(&counted);
            m
        };
        for (b, d) in [
            (counted.to_histogram(), &direct),
            (merged.to_histogram(), &direct),
        ] {
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
            assert_eq!(buckets(&b), buckets(d));
            for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
                assert_eq!(b.value_at_quantile(q), d.value_at_quantile(q), "{q}");
            }
        }
    }

    #[test]
    fn a_few_values_take_a_few_pages() {
        let mut counts = BucketCounts::default();
        for value in [50, 1_000_000, 1_000_001, 3_600_000_000_000] {
            counts.record_n(value, 1);
        }
        assert_eq!(counts.pages.iter().flatten().count(), 3);
        assert!(!counts.is_empty());
    }
}
