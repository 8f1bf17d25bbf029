//! A histogram read from its V2 serialization as the buckets that hold values, without the
//! counts array HdrHistogram would allocate for it.
//!
//! A summary's histogram is serialized with the bounds its thread's histogram has grown to, up to
//! the longest wait or hold the thread ever recorded: about 15 000 buckets once that reaches
//! milliseconds, of which a summary uses a few dozen. Decoded into a `Histogram`, every summary
//! allocates and zeroes that array, and reading its values walks all of it: most of the time the
//! CLI spent on a long trace (lockprof-cli/BENCHMARKS.md, "Reading long traces").

use hdrhistogram::Histogram;

use super::hist;

/// A histogram as its non-zero buckets: what [`TraceReader`](super::TraceReader) gives for a
/// summary's histograms when it is asked for this form (see [`HistogramForm`]).
///
/// Its buckets are those of the serialized histogram (the same bounds and significant digits),
/// so [`to_histogram`](Self::to_histogram) rebuilds the histogram a full decode would have made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistogramBuckets {
    layout: Layout,
    /// Bucket index and count, indices ascending, counts non-zero.
    buckets: Vec<(u32, u64)>,
    /// The sum of the counts (saturating).
    len: u64,
}

/// The serialized histogram's parameters, and what mapping an index to its values needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    low: u64,
    high: u64,
    sigfig: u8,
    /// log2 of `low`, rounded down: bucket 0's unit.
    unit_magnitude: u32,
    /// log2 of half the sub-buckets per bucket.
    sub_bucket_half_count_magnitude: u32,
}

impl HistogramBuckets {
    /// Reads one V2 serialization that fills `bytes` exactly, refusing what HdrHistogram's own
    /// decoder refuses (and what would make it allocate much; see `hist::check`).
    ///
    /// # Errors
    /// Why the bytes are not a histogram: a bad header, a count too large, more buckets than the
    /// histogram's bounds hold, or a truncated count.
    pub fn from_v2(bytes: &[u8]) -> Result<HistogramBuckets, String> {
        let header = hist::check(bytes)?;
        if header.unsupported {
            return Err(
                "histogram uses a normalizing offset or an integer-to-double ratio, \
                        which HdrHistogram does not support"
                    .to_owned(),
            );
        }
        let layout = Layout {
            low: header.low,
            high: header.high,
            sigfig: header.sigfig,
            unit_magnitude: 63 - header.low.leading_zeros(),
            sub_bucket_half_count_magnitude: header.sub_bucket_count_magnitude - 1,
        };
        let mut buckets = Vec::new();
        let mut len = 0u64;
        let mut index = 0u64;
        let mut payload = header.payload;
        while !payload.is_empty() {
            let (encoded, used) = read_varint(payload)
                .ok_or_else(|| "histogram's counts end inside a number".to_owned())?;
            payload = &payload[used..];
            let count_or_zeros = ((encoded >> 1) as i64) ^ -((encoded & 1) as i64);
            if count_or_zeros < 0 {
                // A run of empty buckets.
                index = index
                    .checked_add(count_or_zeros.unsigned_abs())
                    .ok_or_else(|| "histogram's run of empty buckets overflows".to_owned())?;
                continue;
            }
            if count_or_zeros > 0 {
                if index >= header.bins {
                    return Err(format!(
                        "histogram counts run past its {} buckets",
                        header.bins
                    ));
                }
                let count = count_or_zeros.unsigned_abs();
                // `bins` is at most `hist::MAX_BINS`, so the index fits.
                buckets.push((index as u32, count));
                len = len.saturating_add(count);
            }
            index += 1;
        }
        Ok(HistogramBuckets {
            layout,
            buckets,
            len,
        })
    }

    /// The number of values (the sum of the counts, saturating).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no value was recorded.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The buckets that hold values, lowest first: each bucket's lowest value (what
    /// `Histogram::lowest_equivalent` gives for any value in it) and its count.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u64, u64)> + '_ {
        self.buckets
            .iter()
            .map(|&(index, count)| (self.layout.value_of(index), count))
    }

    /// The histogram a full decode of the serialization gives: the same bounds, significant
    /// digits and counts.
    pub fn to_histogram(&self) -> Histogram<u64> {
        let Layout {
            low, high, sigfig, ..
        } = self.layout;
        // The bounds passed `hist::check`, which HdrHistogram's constructor accepts.
        let mut hist = Histogram::new_with_bounds(low, high, sigfig)
            .unwrap_or_else(|_| Histogram::new(sigfig.min(5)).expect("0 to 5 digits are valid"));
        for (value, count) in self.iter() {
            if hist.record_n(value, count).is_err() {
                hist.saturating_record_n(value, count);
            }
        }
        hist
    }
}

impl Layout {
    /// The lowest value of bucket `index` (HdrHistogram's `value_for`).
    fn value_of(&self, index: u32) -> u64 {
        let half = self.sub_bucket_half_count_magnitude;
        let sub_bucket = u64::from(index & ((1 << half) - 1));
        let (bucket, sub_bucket) = match (index >> half).checked_sub(1) {
            // The lower half of the first bucket.
            None => (0, sub_bucket),
            Some(bucket) => (bucket, sub_bucket + (1 << half)),
        };
        sub_bucket
            .checked_shl(bucket + self.unit_magnitude)
            .unwrap_or(u64::MAX)
    }
}

/// HdrHistogram's varint (LEB128 of at most 9 bytes, the ninth carrying 8 bits): the value and
/// the bytes it took, or `None` if `bytes` ends inside it.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some((value | u64::from(byte) << 56, 9));
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// How a reader gives a summary's histograms: decoded into a `Histogram<u64>` (the default of
/// [`TraceReader`](super::TraceReader), [`Record`](super::Record) and
/// [`Summary`](super::Summary)), or as [`HistogramBuckets`], which costs a small fraction of
/// that on long traces. Implemented for those two only.
pub trait HistogramForm: Sized + Clone + sealed::Sealed {
    /// Reads one V2 serialization that fills `bytes` exactly.
    ///
    /// # Errors
    /// Why the bytes are not a histogram.
    fn from_v2(bytes: &[u8]) -> Result<Self, String>;

    /// The number of values (saturating).
    fn value_count(&self) -> u64;

    /// Calls `f` with each bucket that holds values, lowest first: the bucket's lowest value
    /// (`Histogram::lowest_equivalent` of any value in it) and its count.
    fn for_each_bucket(&self, f: impl FnMut(u64, u64));
}

impl HistogramForm for Histogram<u64> {
    fn from_v2(bytes: &[u8]) -> Result<Self, String> {
        hist::decode(bytes)
    }

    fn value_count(&self) -> u64 {
        self.len()
    }

    fn for_each_bucket(&self, mut f: impl FnMut(u64, u64)) {
        for v in self.iter_recorded() {
            f(
                self.lowest_equivalent(v.value_iterated_to()),
                v.count_at_value(),
            );
        }
    }
}

impl HistogramForm for HistogramBuckets {
    fn from_v2(bytes: &[u8]) -> Result<Self, String> {
        HistogramBuckets::from_v2(bytes)
    }

    fn value_count(&self) -> u64 {
        self.len()
    }

    fn for_each_bucket(&self, mut f: impl FnMut(u64, u64)) {
        for (value, count) in self.iter() {
            f(value, count);
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for hdrhistogram::Histogram<u64> {}
    impl Sealed for super::HistogramBuckets {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(hist: &Histogram<u64>) -> Vec<u8> {
        let mut bytes = Vec::new();
        hist::encode(hist, &mut bytes).unwrap();
        bytes
    }

    /// Histograms of several layouts, with values at bucket edges, runs of empty buckets and
    /// counts that take every varint length.
    fn histograms() -> Vec<Histogram<u64>> {
        let mut all = Vec::new();
        // Up to 2^50 ns (13 days), but 5 digits only to 2^24: the reader bounds the counters.
        for (low, sigfig, top) in [
            (1, 3, 50),
            (1, 0, 50),
            (1, 5, 24),
            (1000, 2, 50),
            (7, 1, 50),
        ] {
            let mut h = Histogram::<u64>::new_with_bounds(low, 1 << 20, sigfig).unwrap();
            h.auto(true);
            for (i, shift) in (0..top).enumerate() {
                let value = (1u64 << shift) | (i as u64);
                let count = 1u64 << ((i * 7) % 63);
                h.record_n(value.max(low), count).unwrap();
            }
            all.push(h);
        }
        all.push(Histogram::new(3).unwrap());
        all
    }

    /// What [`HistogramForm::for_each_bucket`] gives.
    fn walk(hist: &impl HistogramForm) -> Vec<(u64, u64)> {
        let mut walked = Vec::new();
        hist.for_each_bucket(|value, count| walked.push((value, count)));
        walked
    }

    #[test]
    fn buckets_are_what_the_full_decode_holds() {
        for h in histograms() {
            let bytes = v2(&h);
            let full = hist::decode(&bytes).unwrap();
            let buckets = HistogramBuckets::from_v2(&bytes).unwrap();
            let expected: Vec<(u64, u64)> = full
                .iter_recorded()
                .map(|v| {
                    (
                        full.lowest_equivalent(v.value_iterated_to()),
                        v.count_at_value(),
                    )
                })
                .collect();
            assert_eq!(buckets.iter().collect::<Vec<_>>(), expected);
            assert_eq!(walk(&full), expected);
            assert_eq!(walk(&buckets), expected);
            assert_eq!(buckets.value_count(), full.value_count());
            assert_eq!(buckets.len(), full.len());
            assert_eq!(buckets.is_empty(), full.is_empty());
            let rebuilt = buckets.to_histogram();
            assert_eq!(
                (
                    rebuilt.len(),
                    rebuilt.min(),
                    rebuilt.max(),
                    rebuilt.low(),
                    rebuilt.high()
                ),
                (full.len(), full.min(), full.max(), full.low(), full.high())
            );
            assert_eq!(
                rebuilt
                    .iter_recorded()
                    .map(|v| v.count_at_value())
                    .sum::<u64>(),
                full.len()
            );
        }
    }

    #[test]
    fn refuses_what_the_full_decode_refuses() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 1_000_000, 3).unwrap();
        h.record_n(999_999, 3).unwrap();
        let bytes = v2(&h);
        // Cut inside the header, inside the counts, and a header promising more than there is.
        for cut in [&bytes[..20], &bytes[..bytes.len() - 1]] {
            assert!(HistogramBuckets::from_v2(cut).is_err());
            assert!(hist::decode(cut).is_err());
        }
        // Counts past the histogram's bounds: the same bytes with a lower `high`.
        let mut short = bytes.clone();
        short[24..32].copy_from_slice(&1000u64.to_be_bytes());
        assert!(hist::decode(&short).is_err());
        assert!(
            HistogramBuckets::from_v2(&short)
                .unwrap_err()
                .contains("past its")
        );
        // A count that ends inside its varint.
        let mut open = bytes.clone();
        let last = open.len() - 1;
        open[last] |= 0x80;
        assert!(hist::decode(&open).is_err());
        assert!(HistogramBuckets::from_v2(&open).is_err());
    }
}
