//! The start of a trace: magic, format version and header fields, read and checked before any
//! record, so that the reader knows the version from the file itself.

use std::io::{self, Read};

use super::format::{self, FORMAT_VERSION, HEADER_FIELDS_LEN, HEADER_PREFIX_LEN};
use super::{Header, ReadError};

/// Reads and checks the header, detecting the format version. Returns it and its length in bytes,
/// which is where the first record starts.
pub(super) fn read_header(input: &mut impl Read) -> Result<(Header, u64), ReadError> {
    let corrupt = |offset: u64, reason: String| ReadError::Corrupt { offset, reason };
    let mut prefix = [0u8; HEADER_PREFIX_LEN];
    let n = read_up_to(input, &mut prefix)?;
    if n == 0 {
        return Err(ReadError::Empty);
    }
    if !format::is_trace(&prefix[..n]) {
        return Err(ReadError::NotATrace);
    }
    const CUT: &str = "the file ends inside the header (the program stopped right after starting)";
    if n < HEADER_PREFIX_LEN {
        return Err(corrupt(n as u64, CUT.to_owned()));
    }
    let version = u16::from_le_bytes([prefix[8], prefix[9]]);
    if version != FORMAT_VERSION {
        return Err(ReadError::UnsupportedVersion { version });
    }
    let fields_len = u16::from_le_bytes([prefix[10], prefix[11]]);
    if fields_len < HEADER_FIELDS_LEN {
        return Err(corrupt(
            10,
            format!(
                "header length {fields_len} is below the {HEADER_FIELDS_LEN} bytes of version {FORMAT_VERSION}"
            ),
        ));
    }
    // Longer headers carry fields added later in version 1; they are skipped.
    let mut fields = vec![0u8; usize::from(fields_len)];
    let got = read_up_to(input, &mut fields)?;
    if got < fields.len() {
        return Err(corrupt((HEADER_PREFIX_LEN + got) as u64, CUT.to_owned()));
    }
    let le64 = |at: usize| {
        let mut b = [0; 8];
        b.copy_from_slice(&fields[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let header = Header {
        version,
        pid: u32::from_le_bytes([fields[0], fields[1], fields[2], fields[3]]),
        start_unix_ns: le64(4),
        clock_hz: le64(12),
    };
    if header.clock_hz == 0 {
        return Err(corrupt(
            HEADER_PREFIX_LEN as u64 + 12,
            "clock frequency is 0".to_owned(),
        ));
    }
    Ok((header, (HEADER_PREFIX_LEN + fields.len()) as u64))
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
