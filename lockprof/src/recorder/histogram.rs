//! The summaries' histograms: HdrHistogram, made on first use, taking single values a batch at a
//! time.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};

/// Significant figures of the summary histograms (the reports quote 3).
const SIGFIGS: u8 = 3;

/// Single values held back, then recorded together. Each value lands on a line of a counts array
/// of a hundred kilobytes or more (170 KB once it spans a second) that is seldom in the cache
/// when it comes (a thread that waited for a lock has usually been switched out since its last
/// record): recorded one at a time, every record stalls on its line (nine in ten of the
/// record's samples, `perf annotate`, in a queue of ten producers and ten consumers on one
/// slot); recorded sixteen in a row, the processor fetches their lines together.
const BATCH: usize = 16;

/// A summary histogram of waits or holds (nanoseconds), empty until its first value.
#[derive(Debug, Default)]
pub(super) struct SummaryHistogram(Option<Box<Batched>>);

#[derive(Debug)]
struct Batched {
    hist: Histogram<u64>,
    held: [u64; BATCH],
    len: usize,
}

impl SummaryHistogram {
    /// Records `count` × `value` (a value of 0 as 1, the least a histogram takes).
    #[inline(always)]
    pub(super) fn record(&mut self, value: u64, count: u64) {
        let batched = self.0.get_or_insert_with(Batched::new);
        if count == 1 && batched.len < BATCH {
            batched.held[batched.len] = value;
            batched.len += 1;
            return;
        }
        let len = std::mem::take(&mut batched.len);
        batched
            .hist
            .record_batch(&batched.held[..len], value, count);
    }

    /// Base64 of HdrHistogram's V2 serialization of what was recorded since the last call (empty
    /// when nothing was), leaving the histogram empty; its allocation is kept, as a site that
    /// was busy once is likely busy again.
    pub(super) fn take_encoded(&mut self) -> String {
        let Some(batched) = self.0.as_mut() else {
            return String::new();
        };
        let len = std::mem::take(&mut batched.len);
        batched.hist.record_batch(&batched.held[..len], 0, 0);
        if batched.hist.is_empty() {
            return String::new();
        }
        let mut bytes = Vec::new();
        let encoded = match V2Serializer::new().serialize(&batched.hist, &mut bytes) {
            Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
            Err(_) => String::new(),
        };
        batched.hist.reset();
        encoded
    }
}

impl Batched {
    #[cold]
    fn new() -> Box<Batched> {
        let mut hist = Histogram::new(SIGFIGS).expect("3 significant figures is a valid precision");
        hist.auto(true);
        Box::new(Batched {
            hist,
            held: [0; BATCH],
            len: 0,
        })
    }
}

/// Recording into a summary histogram, as a method of `Histogram<u64>` rather than a function of
/// this module: rustc compiles a trait impl's functions in the codegen unit of its self type,
/// with hdrhistogram's own code, where LLVM can inline `record_n` into them. A function of this
/// module would be compiled wherever rustc merges this module's unit, and every record would pay
/// for the call when that is not with hdrhistogram's (a dozen instructions).
trait RecordBatch {
    /// Records each of `held` once, then `count` × `value`.
    fn record_batch(&mut self, held: &[u64], value: u64, count: u64);
}

impl RecordBatch for Histogram<u64> {
    #[inline(never)]
    fn record_batch(&mut self, held: &[u64], value: u64, count: u64) {
        for &held in held {
            let _ = self.record(held.max(1));
        }
        if count != 0 {
            let _ = self.record_n(value.max(1), count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::hist;

    fn decoded(encoded: &str) -> Histogram<u64> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        hist::decode(&bytes).expect("a V2 histogram")
    }

    #[test]
    fn every_value_reaches_the_histogram_held_or_not() {
        let mut h = SummaryHistogram::default();
        assert_eq!(h.take_encoded(), "");
        // Fewer than a batch, a batch and more, weighted ones between, and a 0.
        for i in 1..=40u64 {
            h.record(i * 1_000, 1);
            if i % 7 == 0 {
                h.record(i * 1_000, 3);
            }
        }
        h.record(0, 1);
        let got = decoded(&h.take_encoded());
        assert_eq!(got.len(), 40 + 5 * 3 + 1);
        assert_eq!(got.count_at(35_000), 4);
        assert_eq!(got.count_at(1), 1);
        assert_eq!(got.max(), got.highest_equivalent(40_000));
        // Taken: empty until the next value, which alone is in the next one.
        assert_eq!(h.take_encoded(), "");
        h.record(5, 1);
        assert_eq!(decoded(&h.take_encoded()).len(), 1);
    }
}
