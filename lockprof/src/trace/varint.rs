//! LEB128 varints and zigzag deltas: the trace format's only integer encodings besides the header.
//!
//! Most values in a trace (ids, nanoseconds, counts) are small, so unsigned LEB128 keeps a wait or
//! hold record at a handful of bytes. Timestamp deltas can be negative (events from different
//! threads reach the writer slightly out of order), so they are zigzag-mapped first.

/// The longest valid encoding of a `u64`: 64 bits / 7 bits per byte, rounded up.
pub(crate) const MAX_LEN: usize = 10;

/// Appends the unsigned LEB128 encoding of `value` to `out`.
#[inline]
pub(crate) fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // Truncation is the point: the low 7 bits plus the continuation flag.
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Maps a signed delta to an unsigned value with small magnitudes staying small.
#[inline]
pub(crate) fn zigzag(delta: i64) -> u64 {
    ((delta << 1) ^ (delta >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
pub(crate) fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// A varint with bits beyond the 64th set (ten bytes or more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

/// Folds one more byte (the `index`th, from 0) into a varint being decoded. Returns the finished
/// value when `byte` is the last one.
#[inline]
pub(crate) fn step(acc: &mut u64, index: usize, byte: u8) -> Result<Option<u64>, Overflow> {
    let bits = u64::from(byte & 0x7f);
    if index == MAX_LEN - 1 && byte > 1 {
        // The tenth byte may carry only the 64th bit; anything more cannot fit a u64.
        return Err(Overflow);
    }
    *acc |= bits << (7 * index);
    if byte & 0x80 == 0 {
        Ok(Some(*acc))
    } else {
        Ok(None)
    }
}

/// Reads fields out of one record's payload, remembering where it is.
#[derive(Debug)]
pub(crate) struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes, pos: 0 }
    }

    /// The next varint; `field` names it in the error.
    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, String> {
        let mut acc = 0;
        for index in 0..MAX_LEN {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err(format!("the record ends inside field `{field}`"));
            };
            self.pos += 1;
            match step(&mut acc, index, byte) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(_) => return Err(format!("field `{field}` is not a valid varint")),
            }
        }
        Err(format!("field `{field}` is not a valid varint"))
    }

    /// The next varint, which must fit a `u32`.
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, String> {
        let value = self.u64(field)?;
        u32::try_from(value).map_err(|_| format!("field `{field}` is {value}, more than a u32"))
    }

    /// One raw byte.
    pub(crate) fn byte(&mut self, field: &'static str) -> Result<u8, String> {
        let Some(&byte) = self.bytes.get(self.pos) else {
            return Err(format!("the record ends inside field `{field}`"));
        };
        self.pos += 1;
        Ok(byte)
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Skips `n` bytes (at most what is left).
    pub(crate) fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.bytes.len());
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// A varint length followed by that many bytes.
    pub(crate) fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], String> {
        let len = self.u64(field)?;
        let rest = self.bytes.len() - self.pos;
        // Compare in u64 so a huge length cannot wrap on 32-bit targets.
        if len > rest as u64 {
            return Err(format!(
                "field `{field}` claims {len} bytes but only {rest} remain in the record"
            ));
        }
        let start = self.pos;
        self.pos += len as usize;
        Ok(&self.bytes[start..self.pos])
    }
}

/// The continuation bit of each byte of a little-endian `u64` word.
const CONTINUATION_BITS: u64 = 0x8080_8080_8080_8080;

/// Reads the varints of one record on the reader's hot path: no error messages, no `io` calls.
///
/// It reads out of a slice that may extend past the record (the rest of the reader's buffer) so
/// that it can load eight bytes at once and decode a varint of up to eight bytes without a
/// data-dependent branch per byte. `limit` is where the record really ends: fields may run past
/// it while decoding, and [`finish`](Self::finish) then rejects the record, which checks the
/// limit once per record instead of once per field (positions only grow).
///
/// Any problem is `None`: the caller then decodes the record again with [`Decoder`], which
/// accepts exactly the same records and says what is wrong, so this type only has to be right
/// about the records it accepts.
#[derive(Debug)]
pub(crate) struct FastDecoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    limit: usize,
}

impl<'a> FastDecoder<'a> {
    /// Decodes the record `bytes[..limit]`; bytes after `limit` may be read but are never
    /// accepted.
    #[inline(always)]
    pub(crate) fn new(bytes: &'a [u8], limit: usize) -> Self {
        FastDecoder {
            bytes,
            pos: 0,
            limit,
        }
    }

    /// Whether the record has bytes after the fields read so far (fields a later writer
    /// appended).
    #[inline(always)]
    pub(crate) fn has_more(&self) -> bool {
        self.pos < self.limit
    }

    /// Whether every field read so far lies within the record.
    #[inline(always)]
    pub(crate) fn finish(&self) -> Option<()> {
        (self.pos <= self.limit).then_some(())
    }

    /// One raw byte.
    #[inline(always)]
    pub(crate) fn byte(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    /// The next varint.
    #[inline(always)]
    pub(crate) fn u64(&mut self) -> Option<u64> {
        let Some(word) = self
            .bytes
            .get(self.pos..self.pos.wrapping_add(8))
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        else {
            return self.u64_slow();
        };
        let word = u64::from_le_bytes(word);
        // Ids and small counts are one byte: worth a (well predicted) branch of their own.
        if word & 0x80 == 0 {
            self.pos += 1;
            return Some(word & 0x7f);
        }
        let stops = !word & CONTINUATION_BITS;
        if stops == 0 {
            return self.u64_slow();
        }
        // The lowest clear continuation bit ends the varint: bit 8k+7 for k+1 bytes.
        self.pos += (stops.trailing_zeros() / 8 + 1) as usize;
        // Keep the varint's bytes (up to and including the last one's bit 7) and drop the
        // continuation bits while packing the 7-bit groups together, 2, 4, then 8 at a time.
        let v = word & (stops ^ (stops - 1));
        let v = (v & 0x007f_007f_007f_007f) | ((v & 0x7f00_7f00_7f00_7f00) >> 1);
        let v = (v & 0x0000_3fff_0000_3fff) | ((v & 0x3fff_0000_3fff_0000) >> 2);
        let v = (v & 0x0000_0000_0fff_ffff) | ((v & 0x0fff_ffff_0000_0000) >> 4);
        Some(v)
    }

    /// Byte by byte: a varint of nine or ten bytes, or one within eight bytes of the slice's end.
    #[cold]
    #[inline(never)]
    fn u64_slow(&mut self) -> Option<u64> {
        let mut acc = 0;
        for index in 0..MAX_LEN {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            if let Some(value) = step(&mut acc, index, byte).ok()? {
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<u64, String> {
        Decoder::new(bytes).u64("x")
    }

    #[test]
    fn round_trips_edges() {
        for value in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put(&mut out, value);
            assert!(out.len() <= MAX_LEN);
            assert_eq!(decode(&out), Ok(value));
        }
    }

    #[test]
    fn rejects_overlong_and_overflowing() {
        assert!(decode(&[0x80; 11]).is_err());
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert!(decode(&too_big).is_err());
        assert!(decode(&[0x80]).is_err());
    }

    #[test]
    fn zigzag_round_trips() {
        for delta in [0, 1, -1, 63, -64, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(delta)), delta);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    /// The fast decoder agrees with [`Decoder`] on every value it accepts, wherever the varint
    /// sits relative to the end of the record and of the slice.
    #[test]
    fn fast_decoder_agrees_with_decoder() {
        let mut values = vec![0, 1, 127, 128, 255, 16_383, 16_384, u64::MAX, u64::MAX >> 1];
        for shift in 0..64 {
            values.push(1 << shift);
            values.push((1 << shift) - 1);
        }
        for value in values {
            let mut enc = Vec::new();
            put(&mut enc, value);
            // Padded encodings are valid too.
            let mut padded = enc.clone();
            if padded.len() < MAX_LEN {
                *padded.last_mut().unwrap() |= 0x80;
                padded.push(0);
            }
            for bytes in [enc, padded] {
                for slack in 0..10 {
                    let mut buf = bytes.clone();
                    buf.extend(std::iter::repeat_n(0xff, slack));
                    let mut fast = FastDecoder::new(&buf, bytes.len());
                    assert_eq!(fast.u64(), Some(value), "{bytes:x?} + {slack}");
                    assert_eq!(fast.pos, bytes.len());
                    assert_eq!(fast.finish(), Some(()));
                    // Cut one byte short: both refuse.
                    let mut short = FastDecoder::new(&buf, bytes.len() - 1);
                    assert_eq!(short.u64().and(short.finish()), None, "{bytes:x?} cut");
                    let mut shorter = FastDecoder::new(&buf[..bytes.len() - 1], bytes.len() - 1);
                    assert_eq!(shorter.u64(), None, "{bytes:x?} cut, no slack");
                    assert!(Decoder::new(&bytes[..bytes.len() - 1]).u64("x").is_err());
                }
            }
        }
        for bad in [
            &[0x80; 11][..],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        ] {
            assert_eq!(FastDecoder::new(bad, bad.len()).u64(), None);
        }
    }
}
