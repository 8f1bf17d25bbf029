//! Histograms inside records: HdrHistogram's V2 serialization (not the deflate variant), checked
//! before decoding so that a corrupt or hostile file cannot make the reader allocate much.

use std::io;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};

/// V2 cookie (`0x1c849303 | 0x10`); the deflate cookie ends in 4 and is refused.
const V2_COOKIE: u32 = 0x1c84_9313;
/// Bytes of the V2 header before the encoded counts.
const V2_HEADER_LEN: usize = 40;
/// Most counters a decoded histogram may have (8 MiB of u64). Every histogram of 4 significant
/// digits or fewer fits whatever its range; so do 5-digit ones over a range of a few seconds.
const MAX_BINS: u64 = 1 << 20;

/// Appends the V2 serialization of `hist` to `out`.
pub(crate) fn encode(hist: &Histogram<u64>, out: &mut Vec<u8>) -> io::Result<()> {
    V2Serializer::new()
        .serialize(hist, out)
        .map(drop)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("histogram: {e:?}")))
}

/// Decodes one V2 histogram that must fill `bytes` exactly.
pub(crate) fn decode(bytes: &[u8]) -> Result<Histogram<u64>, String> {
    check(bytes)?;
    Deserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| format!("histogram does not decode: {e}"))
}

/// What a V2 histogram's header says, once [`check`] has found it believable.
pub(crate) struct V2Header<'a> {
    pub(crate) sigfig: u8,
    pub(crate) low: u64,
    pub(crate) high: u64,
    /// log2 of the sub-buckets per bucket, rounded up.
    pub(crate) sub_bucket_count_magnitude: u32,
    /// How many buckets (counters) the histogram has.
    pub(crate) bins: u64,
    /// Whether it uses a normalizing offset or a double-to-integer ratio other than 1, which
    /// HdrHistogram's decoder refuses.
    pub(crate) unsupported: bool,
    /// The encoded counts.
    pub(crate) payload: &'a [u8],
}

/// Checks the header of one V2 histogram that must fill `bytes` exactly: what the decoder trusts
/// before it allocates (the counts themselves are checked when they are decoded).
pub(crate) fn check(bytes: &[u8]) -> Result<V2Header<'_>, String> {
    let header = bytes.get(..V2_HEADER_LEN).ok_or_else(|| {
        format!(
            "histogram of {} bytes is shorter than its header",
            bytes.len()
        )
    })?;
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let be64 = |at: usize| {
        let mut b = [0; 8];
        b.copy_from_slice(&header[at..at + 8]);
        u64::from_be_bytes(b)
    };
    if be32(0) != V2_COOKIE {
        return Err(format!(
            "histogram cookie {:#x} is not HdrHistogram V2",
            be32(0)
        ));
    }
    // The decoder allocates the declared payload length before reading it: check it first.
    let payload_len = u64::from(be32(4));
    let available = (bytes.len() - V2_HEADER_LEN) as u64;
    if payload_len != available {
        return Err(format!(
            "histogram declares {payload_len} bytes of counts but holds {available}"
        ));
    }
    let sigfig = be32(12);
    let (low, high) = (be64(16), be64(24));
    let invalid =
        || format!("histogram parameters are invalid (low {low}, high {high}, {sigfig} digits)");
    let (bins, sub_bucket_count_magnitude) = bins_needed(low, high, sigfig).ok_or_else(invalid)?;
    if bins > MAX_BINS {
        return Err(format!(
            "histogram would need {bins} counters (more than {MAX_BINS}); refusing to allocate"
        ));
    }
    Ok(V2Header {
        sigfig: u8::try_from(sigfig).map_err(|_| invalid())?,
        low,
        high,
        sub_bucket_count_magnitude,
        bins,
        unsupported: be32(8) != 0 || be64(32) != 1.0f64.to_bits(),
        payload: &bytes[V2_HEADER_LEN..],
    })
}

/// A histogram a summary record can carry: decoded, as the reader returns it, or already in its
/// V2 serialization, as summary events carry it (the writer then copies it, which costs far less
/// than decoding and encoding it again).
pub(crate) trait SummaryHistogram {
    /// Appends the V2 serialization to `out`.
    fn append_v2(&self, out: &mut Vec<u8>) -> io::Result<()>;
}

impl SummaryHistogram for Histogram<u64> {
    fn append_v2(&self, out: &mut Vec<u8>) -> io::Result<()> {
        encode(self, out)
    }
}

/// A V2-serialized histogram whose header [`check`] accepted.
// Only the Layer's encoder passes histograms through; readers decode them.
#[cfg(feature = "subscriber")]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EncodedHistogram(Vec<u8>);

#[cfg(feature = "subscriber")]
impl EncodedHistogram {
    /// `bytes` if they are one V2 histogram with a believable header.
    pub(crate) fn new(bytes: Vec<u8>) -> Result<Self, String> {
        check(&bytes)?;
        Ok(EncodedHistogram(bytes))
    }
}

#[cfg(feature = "subscriber")]
impl SummaryHistogram for EncodedHistogram {
    fn append_v2(&self, out: &mut Vec<u8>) -> io::Result<()> {
        out.extend_from_slice(&self.0);
        Ok(())
    }
}

/// How many counters `Histogram::new_with_bounds(low, high, sigfig)` allocates, and log2 of its
/// sub-buckets per bucket (rounded up), mirroring hdrhistogram 7's arithmetic; `None` where it
/// would refuse the parameters.
fn bins_needed(low: u64, high: u64, sigfig: u32) -> Option<(u64, u32)> {
    if low == 0 || low > u64::MAX / 2 || high < 2 * low || sigfig > 5 {
        return None;
    }
    // ceil(log2(2 * 10^sigfig)) for sigfig 0..=5.
    let sub_bucket_count_magnitude: u32 = [1, 5, 8, 11, 15, 18][sigfig as usize];
    let unit_magnitude = 63 - low.leading_zeros();
    if unit_magnitude + sub_bucket_count_magnitude > 63 {
        return None;
    }
    let sub_bucket_half_count = 1u64 << (sub_bucket_count_magnitude - 1);
    let mut smallest_untrackable = 1u64 << (sub_bucket_count_magnitude + unit_magnitude);
    let mut buckets = 1u64;
    while smallest_untrackable <= high {
        if smallest_untrackable > u64::MAX / 2 {
            buckets += 1;
            break;
        }
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    Some((
        (buckets + 1) * sub_bucket_half_count,
        sub_bucket_count_magnitude,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_match_hdrhistogram() {
        for (low, high, sigfig) in [
            (1, 2, 0),
            (1, u64::MAX, 3),
            (1, 3_600_000_000_000, 5),
            (1000, 1 << 40, 2),
        ] {
            let h = Histogram::<u64>::new_with_bounds(low, high, sigfig as u8).unwrap();
            assert_eq!(
                bins_needed(low, high, sigfig).map(|(bins, _)| bins),
                Some(h.distinct_values() as u64)
            );
        }
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
        h.record_n(12_345, 7).unwrap();
        let mut bytes = Vec::new();
        encode(&h, &mut bytes).unwrap();
        assert_eq!(decode(&bytes).unwrap(), h);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut huge = bytes.clone();
        huge[15] = 5; // 5 significant digits over the full u64 range
        huge[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(decode(&huge).unwrap_err().contains("refusing"));
    }
}
