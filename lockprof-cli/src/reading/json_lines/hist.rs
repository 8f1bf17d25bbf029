//! Decoding the `wait_hist` / `hold_hist` fields of summary events: base64 (standard alphabet,
//! padded) of an HdrHistogram V2 serialization.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;

/// Cookie(4) + payload length(4) + normalizing offset(4) + digits(4) + low(8) + high(8) + ratio(8).
const V2_HEADER_LEN: usize = 40;

/// Most significant digits accepted: more would let a crafted header allocate a huge counts array.
const MAX_SIGFIG: u32 = 5;

/// Why a histogram field was unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HistError {
    /// Not valid base64.
    Base64,
    /// Not a V2 histogram, or its header promises more than the field holds.
    Malformed,
}

/// Decodes histogram fields, reusing its buffers across calls.
pub(crate) struct HistDecoder {
    bytes: Vec<u8>,
    de: Deserializer,
}

impl std::fmt::Debug for HistDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistDecoder").finish_non_exhaustive()
    }
}

impl Default for HistDecoder {
    fn default() -> Self {
        HistDecoder {
            bytes: Vec::new(),
            de: Deserializer::new(),
        }
    }
}

impl HistDecoder {
    /// Decodes one base64 field.
    pub(crate) fn decode(&mut self, b64: &str) -> Result<Histogram<u64>, HistError> {
        self.bytes.clear();
        STANDARD
            .decode_vec(b64.trim(), &mut self.bytes)
            .map_err(|_| HistError::Base64)?;
        let b = &self.bytes[..];
        if b.len() < V2_HEADER_LEN {
            return Err(HistError::Malformed);
        }
        // The deserializer allocates the payload length and the counts array before reading:
        // check both against what the field actually holds.
        let payload_len = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let sigfig = u32::from_be_bytes([b[12], b[13], b[14], b[15]]);
        if payload_len > b.len() - V2_HEADER_LEN || sigfig > MAX_SIGFIG {
            return Err(HistError::Malformed);
        }
        self.de
            .deserialize(&mut &self.bytes[..])
            .map_err(|_| HistError::Malformed)
    }
}

#[cfg(test)]
mod tests {
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
        let back = d.decode(&STANDARD.encode(&bytes)).unwrap();
        assert_eq!(back.len(), 6);
        assert_eq!(back.max(), h.max());

        let mut bomb = bytes.clone();
        bomb[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(d.decode(&STANDARD.encode(&bomb)), Err(HistError::Malformed));
        assert_eq!(d.decode("not base64!"), Err(HistError::Base64));
        assert_eq!(d.decode(""), Err(HistError::Malformed));
    }
}
