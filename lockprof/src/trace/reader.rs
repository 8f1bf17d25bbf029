//! Streams records out of a native trace, checking everything it reads.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use super::format::{
    self, FORMAT_VERSION, HEADER_FIELDS_LEN, HEADER_PREFIX_LEN, MAX_RECORD_LEN, flags, kind,
};
use super::varint::{self, Decoder};
use super::{Header, Hold, ReadError, Record, StrId, Summary, Wait, hist};

/// Reads a trace record by record: an iterator of `Result<Record, ReadError>`.
///
/// Memory stays proportional to the largest record actually present: the input is read through a
/// buffer, payloads grow only as their bytes arrive, and only the count of strings is kept (not the
/// strings themselves). Unknown record types are skipped, so traces from newer writers of the same
/// format version still read.
///
/// A file cut off inside a record ends the iteration after the last whole record and sets
/// [`truncated`](Self::truncated). A file cut at a record boundary is detected by the missing end
/// marker: [`complete`](Self::complete) stays `false`. After an error the iterator is finished.
pub struct TraceReader<R: Read> {
    input: BufReader<R>,
    header: Header,
    /// Bytes consumed up to the end of the last whole record.
    offset: u64,
    strings: u64,
    last_at_ns: u64,
    payload: Vec<u8>,
    truncated: bool,
    complete: bool,
    done: bool,
}

impl<R: Read> fmt::Debug for TraceReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceReader")
            .field("header", &self.header)
            .field("offset", &self.offset)
            .field("truncated", &self.truncated)
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

fn corrupt(offset: u64, reason: impl Into<String>) -> ReadError {
    ReadError::Corrupt {
        offset,
        reason: reason.into(),
    }
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

/// `fill_buf` that retries on `Interrupted`.
fn fill(input: &mut impl BufRead) -> io::Result<&[u8]> {
    loop {
        match input.fill_buf() {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    input.fill_buf()
}

impl<R: Read> TraceReader<R> {
    /// Reads and checks the header, detecting the format version.
    pub fn new(input: R) -> Result<Self, ReadError> {
        let mut input = BufReader::with_capacity(64 * 1024, input);
        let mut prefix = [0u8; HEADER_PREFIX_LEN];
        let n = read_up_to(&mut input, &mut prefix)?;
        if n == 0 {
            return Err(ReadError::Empty);
        }
        if !format::is_trace(&prefix[..n]) {
            return Err(ReadError::NotATrace);
        }
        const CUT: &str =
            "the file ends inside the header (the program stopped right after starting)";
        if n < HEADER_PREFIX_LEN {
            return Err(corrupt(n as u64, CUT));
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
        let got = read_up_to(&mut input, &mut fields)?;
        if got < fields.len() {
            return Err(corrupt((HEADER_PREFIX_LEN + got) as u64, CUT));
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
                "clock frequency is 0",
            ));
        }
        Ok(TraceReader {
            input,
            header,
            offset: (HEADER_PREFIX_LEN + fields.len()) as u64,
            strings: 0,
            last_at_ns: 0,
            payload: Vec::new(),
            truncated: false,
            complete: false,
            done: false,
        })
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Whether the input ended in the middle of a record (the writer was killed or the copy cut
    /// short). Meaningful once the iterator has returned `None`.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the last record read was the writer's end marker, i.e. the trace was closed
    /// properly. `false` at the end of iteration means events at the end may be missing.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Bytes consumed: the offset just past the last whole record (where a truncated tail starts).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads the next record the caller should see; `Ok(None)` at the end of the input.
    fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            let start = self.offset;
            if fill(&mut self.input)?.is_empty() {
                return Ok(None);
            }
            let mut type_byte = [0u8; 1];
            self.input.read_exact(&mut type_byte)?;
            let record_type = type_byte[0];
            if record_type == 0 {
                return Err(corrupt(
                    start,
                    "record type 0 is reserved (zero-filled bytes: the file was not fully written)",
                ));
            }
            let Some((len, len_bytes)) = self.read_len(start)? else {
                self.truncated = true;
                return Ok(None);
            };
            let known = matches!(record_type, kind::STRING..=kind::DROPPED);
            if !self.read_payload(len, known)? {
                self.truncated = true;
                return Ok(None);
            }
            let end = start + 1 + len_bytes + len;
            if record_type == kind::END {
                self.offset = end;
                self.complete = true;
                continue;
            }
            if !known {
                // A record type from a newer writer: skipping it is the compatibility rule.
                self.offset = end;
                continue;
            }
            let record = self
                .decode(record_type)
                .map_err(|reason| corrupt(start, reason))?;
            self.offset = end;
            self.complete = false;
            return Ok(Some(record));
        }
    }

    /// The record's length varint and how many bytes it took; `None` when the input ends inside it.
    fn read_len(&mut self, start: u64) -> Result<Option<(u64, u64)>, ReadError> {
        let mut acc = 0;
        for index in 0..varint::MAX_LEN {
            let Some(&byte) = fill(&mut self.input)?.first() else {
                return Ok(None);
            };
            self.input.consume(1);
            match varint::step(&mut acc, index, byte) {
                Ok(Some(len)) if len > MAX_RECORD_LEN => {
                    return Err(corrupt(
                        start,
                        format!("record length {len} exceeds the {MAX_RECORD_LEN}-byte limit"),
                    ));
                }
                Ok(Some(len)) => return Ok(Some((len, index as u64 + 1))),
                Ok(None) => {}
                Err(_) => break,
            }
        }
        Err(corrupt(start, "record length is not a valid varint"))
    }

    /// Reads (`keep`) or skips a payload of `len` bytes; `false` when the input ends first.
    fn read_payload(&mut self, len: u64, keep: bool) -> Result<bool, ReadError> {
        self.payload.clear();
        let mut remaining = len;
        while remaining > 0 {
            let available = fill(&mut self.input)?;
            if available.is_empty() {
                return Ok(false);
            }
            // Grow only by what has arrived, so a bogus length cannot force a large allocation.
            let n = available
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            if keep {
                self.payload.extend_from_slice(&available[..n]);
            }
            self.input.consume(n);
            remaining -= n as u64;
        }
        Ok(true)
    }

    fn decode(&mut self, record_type: u8) -> Result<Record, String> {
        let payload = std::mem::take(&mut self.payload);
        let result = self.decode_payload(record_type, &payload);
        self.payload = payload;
        result
    }

    fn decode_payload(&mut self, record_type: u8, payload: &[u8]) -> Result<Record, String> {
        let mut d = Decoder::new(payload);
        // Fields appended by later writers of this version follow the known ones: ignored.
        Ok(match record_type {
            kind::STRING => {
                let id = d.u32("id")?;
                if u64::from(id) != self.strings {
                    return Err(format!(
                        "string id {id} defined out of order (expected {})",
                        self.strings
                    ));
                }
                let bytes = d.bytes("value")?;
                let value = std::str::from_utf8(bytes)
                    .map_err(|e| format!("string {id} is not UTF-8: {e}"))?
                    .to_owned();
                self.strings += 1;
                Record::String { id, value }
            }
            kind::THREAD => {
                let id = d.u64("id")?;
                let name = self.str_id(&mut d, "name")?;
                Record::Thread { id, name }
            }
            kind::LOCK => {
                let id = d.u64("id")?;
                let name = self.str_id(&mut d, "name")?;
                let code = d.u64("kind")?;
                let kind = format::lock_kind_from_code(code)
                    .ok_or_else(|| format!("unknown lock kind {code}"))?;
                Record::Lock { id, name, kind }
            }
            kind::WAIT => {
                let f = event_flags(&mut d, flags::EVENT_KNOWN)?;
                let mut wait = Wait {
                    mode: mode(f)?,
                    timed_out: f & flags::BIT2 != 0,
                    lock: d.u64("lock")?,
                    thread: d.u64("thread")?,
                    site: self.str_id(&mut d, "site")?,
                    holder: d.u64("holder")?,
                    wait_ns: d.u64("wait_ns")?,
                    at_ns: self.at_ns(&mut d)?,
                    weight: 1,
                };
                if f & flags::HAS_WEIGHT != 0 {
                    wait.weight = d.u64("weight")?;
                }
                self.last_at_ns = wait.at_ns;
                Record::Wait(wait)
            }
            kind::HOLD => {
                let f = event_flags(&mut d, flags::EVENT_KNOWN)?;
                let mut hold = Hold {
                    mode: mode(f)?,
                    hold_exact: f & flags::BIT2 != 0,
                    lock: d.u64("lock")?,
                    thread: d.u64("thread")?,
                    site: self.str_id(&mut d, "site")?,
                    hold_ns: d.u64("hold_ns")?,
                    blame_ns: d.u64("blame_ns")?,
                    waiters: d.u32("waiters")?,
                    at_ns: self.at_ns(&mut d)?,
                    weight: 1,
                };
                if f & flags::HAS_WEIGHT != 0 {
                    hold.weight = d.u64("weight")?;
                }
                self.last_at_ns = hold.at_ns;
                Record::Hold(hold)
            }
            kind::SUMMARY => {
                let f = event_flags(&mut d, flags::SUMMARY_KNOWN)?;
                let summary = Summary {
                    mode: mode(f)?,
                    lock: d.u64("lock")?,
                    thread: d.u64("thread")?,
                    site: self.str_id(&mut d, "site")?,
                    at_ns: self.at_ns(&mut d)?,
                    acquisitions: d.u64("acquisitions")?,
                    contended: d.u64("contended")?,
                    timeouts: d.u64("timeouts")?,
                    waits: d.u64("waits")?,
                    wait_ns: d.u64("wait_ns")?,
                    holds: d.u64("holds")?,
                    hold_ns: d.u64("hold_ns")?,
                    blame_ns: d.u64("blame_ns")?,
                    wait_hist: hist::decode(d.bytes("wait_hist")?)
                        .map_err(|e| format!("wait_hist: {e}"))?,
                    hold_hist: hist::decode(d.bytes("hold_hist")?)
                        .map_err(|e| format!("hold_hist: {e}"))?,
                };
                self.last_at_ns = summary.at_ns;
                Record::Summary(Box::new(summary))
            }
            kind::DROPPED => Record::Dropped {
                count: d.u64("count")?,
            },
            other => return Err(format!("record type {other:#04x} is not decodable")),
        })
    }

    fn str_id(&self, d: &mut Decoder<'_>, field: &'static str) -> Result<StrId, String> {
        let id = d.u32(field)?;
        if u64::from(id) < self.strings {
            Ok(id)
        } else {
            Err(format!(
                "`{field}` refers to string {id}, which is not defined ({} strings so far)",
                self.strings
            ))
        }
    }

    fn at_ns(&self, d: &mut Decoder<'_>) -> Result<u64, String> {
        let delta = varint::unzigzag(d.u64("at_ns delta")?);
        Ok(self.last_at_ns.wrapping_add(delta as u64))
    }
}

fn event_flags(d: &mut Decoder<'_>, known: u8) -> Result<u8, String> {
    let f = d.byte("flags")?;
    if f & !known != 0 {
        return Err(format!(
            "flags {f:#010b} set bits this version does not define"
        ));
    }
    Ok(f)
}

fn mode(f: u8) -> Result<crate::Mode, String> {
    let code = f & flags::MODE_MASK;
    format::mode_from_code(code).ok_or_else(|| format!("unknown mode value {code}"))
}

impl<R: Read> Iterator for TraceReader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<R: Read> std::iter::FusedIterator for TraceReader<R> {}
