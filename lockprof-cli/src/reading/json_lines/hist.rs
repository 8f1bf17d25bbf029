//! Decoding the `wait_hist` / `hold_hist` fields of summary events: base64 (standard alphabet,
//! padded) of an HdrHistogram V2 serialization, read as the buckets that hold values.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lockprof::trace::HistogramBuckets;

/// Cookie(4) + payload length(4) + normalizing offset(4) + digits(4) + low(8) + high(8) + ratio(8).
const V2_HEADER_LEN: usize = 40;

/// Why a histogram field was unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HistError {
    /// Not valid base64.
    Base64,
    /// Not a V2 histogram, or its header promises more than the field holds.
    Malformed,
}

/// Decodes histogram fields, reusing its buffer across calls.
#[derive(Debug, Default)]
pub(crate) struct HistDecoder {
    bytes: Vec<u8>,
}

impl HistDecoder {
    /// Decodes one base64 field. Bytes past the histogram's declared length are ignored, as
    /// HdrHistogram's own decoder ignores them.
    pub(crate) fn decode(&mut self, b64: &str) -> Result<HistogramBuckets, HistError> {
        self.bytes.clear();
        STANDARD
            .decode_vec(b64.trim(), &mut self.bytes)
            .map_err(|_| HistError::Base64)?;
        let b = &self.bytes[..];
        let declared = b
            .get(4..8)
            .map(|len| u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize);
        let histogram = declared
            .and_then(|len| b.get(..V2_HEADER_LEN.checked_add(len)?))
            .ok_or(HistError::Malformed)?;
        // Checks the header before it trusts it: a crafted one cannot make it allocate much.
        HistogramBuckets::from_v2(histogram).map_err(|_| HistError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use hdrhistogram::Histogram;
    use hdrhistogram::serialization::{Serializer, V2Serializer};

    use super::*;

    #[test]
    fn round_trips_and_rejects_bombs() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        h.record_n(1_000, 5).unwrap();
        h.record(7_000_000).unwrap();
        let mut bytes = Vec::new();
        V2Serializer::new().serialize(&h, &mut bytes).unwrap();
        let mut d = HistDecoder::default();
        let back = d.decode(&STANDARD.encode(&bytes)).unwrap().to_histogram();
        assert_eq!(back.len(), 6);
        assert_eq!(back.max(), h.max());
        // Trailing bytes past the declared length do not count.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xff; 3]);
        assert_eq!(d.decode(&STANDARD.encode(&longer)).unwrap().len(), 6);

        let mut bomb = bytes.clone();
        bomb[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(d.decode(&STANDARD.encode(&bomb)), Err(HistError::Malformed));
        let mut digits = bytes.clone();
        digits[12..16].copy_from_slice(&6u32.to_be_bytes());
        assert_eq!(
            d.decode(&STANDARD.encode(&digits)),
            Err(HistError::Malformed)
        );
        assert_eq!(d.decode("not base64!"), Err(HistError::Base64));
        assert_eq!(d.decode(""), Err(HistError::Malformed));
    }
}
