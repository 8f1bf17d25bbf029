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
}
