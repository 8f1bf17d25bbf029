//! Summary events' histograms on their way into Summary records: checked, then passed through as
//! the V2 bytes they already are.
//!
//! Decoding and encoding them again would double the writer thread's CPU; the header check is
//! what a reader trusts before it allocates, and the reader checks the counts when it decodes
//! them.

use base64::Engine as _;
use hdrhistogram::Histogram;

use crate::trace::hist::{self, EncodedHistogram};

/// Turns summaries' base64 histograms into record histograms, and remembers the first bad one.
#[derive(Debug)]
pub(super) struct Histograms {
    /// What a summary without a histogram, or with a bad one, carries.
    empty: EncodedHistogram,
    /// Whether a bad histogram was already reported: one warning is enough.
    warned: bool,
    /// The warning not yet taken by [`take_warning`](Self::take_warning).
    warning: Option<String>,
}

impl Default for Histograms {
    fn default() -> Self {
        Histograms {
            empty: empty_histogram(),
            warned: false,
            warning: None,
        }
    }
}

impl Histograms {
    /// The empty histogram, for a summary event that carries none.
    pub(super) fn empty(&self) -> EncodedHistogram {
        self.empty.clone()
    }

    /// A base64 V2 histogram, its header checked. A bad one is replaced by an empty histogram
    /// (the summary's exact counts and sums are kept, which dropping the summary would lose) and
    /// noted for [`take_warning`](Self::take_warning) the first time.
    pub(super) fn checked(&mut self, base64: &str) -> EncodedHistogram {
        if base64.is_empty() {
            return self.empty();
        }
        let checked = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|e| e.to_string())
            .and_then(EncodedHistogram::new);
        match checked {
            Ok(h) => h,
            Err(e) => {
                if !self.warned {
                    self.warned = true;
                    self.warning = Some(format!(
                        "a summary event has an unreadable histogram ({e}); recording it as empty"
                    ));
                }
                self.empty()
            }
        }
    }

    /// The warning about the first bad histogram, once.
    pub(super) fn take_warning(&mut self) -> Option<String> {
        self.warning.take()
    }
}

/// An empty histogram with the parameters lockprof's summaries use (3 significant digits).
fn empty_histogram() -> EncodedHistogram {
    // A constant, valid parameter: `new` only fails for more than 5 significant digits.
    let empty = Histogram::<u64>::new(3).expect("3 significant digits are valid");
    let mut bytes = Vec::new();
    hist::encode(&empty, &mut bytes).expect("an empty histogram encodes");
    EncodedHistogram::new(bytes).expect("an encoded histogram is one")
}
