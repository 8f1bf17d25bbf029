//! A summary's histogram as the aggregator takes it: the buckets that hold values, gathered from
//! whichever form the reader gave (`lockprof::trace::HistogramForm`).

use lockprof::trace::HistogramForm;

/// A summary's histogram: each bucket that holds values, as its lowest value and count, lowest
/// first, and the number of values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SummaryHist<'h> {
    buckets: &'h [(u64, u64)],
    len: u64,
}

impl<'h> SummaryHist<'h> {
    /// `hist`'s buckets, gathered into `buf` (emptied first), which the result borrows: one
    /// buffer reused for every summary of an input.
    pub(crate) fn gather(hist: &impl HistogramForm, buf: &'h mut Vec<(u64, u64)>) -> Self {
        buf.clear();
        hist.for_each_bucket(|value, count| buf.push((value, count)));
        SummaryHist {
            buckets: buf,
            len: hist.value_count(),
        }
    }

    /// The number of values.
    pub(crate) fn len(self) -> u64 {
        self.len
    }

    /// The buckets that hold values: lowest value and count, lowest first.
    pub(crate) fn buckets(self) -> &'h [(u64, u64)] {
        self.buckets
    }
}
