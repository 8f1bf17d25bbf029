//! Streams records out of a trace file, checking everything it reads.

use std::fmt;
use std::io::{self, Read};

use hdrhistogram::Histogram;

use super::decode::{self, Decoded};
use super::format::{MAX_RECORD_LEN, kind};
use super::header::read_header;
use super::varint;
use super::{Header, HistogramForm, ReadError, Record, RecordRef, Summary};

/// Size of the read buffer, and how far it grows for ordinary records. Big enough that a refill is
/// rare (one per few thousand records), small enough to stay in L2 while the records are decoded.
const BUF_LEN: usize = 64 * 1024;

/// Reads a trace record by record: an iterator of `Result<Record, ReadError>`, or, without
/// allocating per record, [`next_ref`](Self::next_ref).
///
/// Memory stays proportional to the largest record actually present: the input is read in chunks
/// into one buffer, which grows past its initial 64 KiB only for a record that does not fit and
/// only as that record's bytes arrive, and only the count of strings is kept (not the strings
/// themselves). Unknown record types are skipped, so traces from newer writers of the same format
/// version still read.
///
/// A file cut off inside a record ends the iteration after the last whole record and sets
/// [`truncated`](Self::truncated). A file cut at a record boundary is detected by the missing end
/// marker: [`complete`](Self::complete) stays `false`. After an error the reader is finished.
///
/// `H` is the form summaries' histograms come in: decoded (`Histogram<u64>`, from
/// [`new`](Self::new)), or as their non-zero buckets ([`HistogramBuckets`](super::HistogramBuckets),
/// from [`with_histograms`](Self::with_histograms)), which spares a long trace's reader most of
/// its time.
pub struct TraceReader<R: Read, H = Histogram<u64>> {
    input: R,
    header: Header,
    /// Input bytes; `buf[pos..end]` are read but not yet consumed. Bytes past `end` are stale but
    /// initialized, which lets the decoder load eight bytes at a time near the end.
    buf: Vec<u8>,
    /// Start of the next record in `buf`: everything before it belongs to whole records.
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// The input has reported its end; it is not asked again (a terminal would wait for more).
    eof: bool,
    state: decode::State,
    /// The summary [`next_ref`](Self::next_ref) last lent out.
    summary: Option<Box<Summary<H>>>,
    truncated: bool,
    complete: bool,
    done: bool,
}

impl<R: Read, H: HistogramForm> fmt::Debug for TraceReader<R, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceReader")
            .field("header", &self.header)
            .field("offset", &self.offset())
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

/// Where the next record lies in the buffer: its type and its payload `buf[payload..payload_end]`.
#[derive(Clone, Copy, Debug)]
struct Frame {
    record_type: u8,
    payload: usize,
    payload_end: usize,
}

impl Frame {
    fn len(self) -> usize {
        self.payload_end - self.payload
    }
}

impl<R: Read> TraceReader<R> {
    /// Reads and checks the header, detecting the format version. Summaries' histograms come
    /// decoded.
    pub fn new(input: R) -> Result<Self, ReadError> {
        Self::with_histograms(input)
    }
}

impl<R: Read, H: HistogramForm> TraceReader<R, H> {
    /// [`new`](TraceReader::new), with summaries' histograms in the form `H`:
    /// `TraceReader::<_, HistogramBuckets>::with_histograms(input)`.
    pub fn with_histograms(mut input: R) -> Result<Self, ReadError> {
        let (header, header_len) = read_header(&mut input)?;
        Ok(TraceReader {
            input,
            header,
            buf: vec![0; BUF_LEN],
            pos: 0,
            end: 0,
            base: header_len,
            eof: false,
            state: decode::State::default(),
            summary: None,
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
        self.base + self.pos as u64
    }

    /// The next record, borrowed from the reader; `Ok(None)` at the end of the input.
    ///
    /// This is the iterator without its per-record allocations: a string's text points into the
    /// reader's buffer and a summary is lent, not given, so a loop over a trace costs only the
    /// decoding. Use it when the record is consumed before the next one is read:
    ///
    /// ```
    /// # use lockprof::trace::{Header, Record, RecordRef, TraceReader, TraceWriter};
    /// # let mut w = TraceWriter::new(Vec::new(), &Header::new(1, 0))?;
    /// # w.write(&Record::Dropped { count: 3 })?;
    /// # let bytes = w.finish()?;
    /// let mut reader = TraceReader::new(&bytes[..])?;
    /// let mut dropped = 0;
    /// while let Some(record) = reader.next_ref()? {
    ///     if let RecordRef::Dropped { count } = record {
    ///         dropped += count;
    ///     }
    /// }
    /// assert_eq!(dropped, 3);
    /// assert!(reader.complete());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As the iterator: reading the input failed, or the next record is corrupt. After an error,
    /// and after the end, it returns `Ok(None)`.
    #[inline]
    pub fn next_ref(&mut self) -> Result<Option<RecordRef<'_, H>>, ReadError> {
        let Some(frame) = self.next_frame()? else {
            return Ok(None);
        };
        // Field by field rather than through a `&mut self` helper: the record borrows `buf` while
        // the summary goes into `summary`.
        let bytes = self.buf.get(frame.payload..).unwrap_or_default();
        match decode::decode(&mut self.state, frame.record_type, bytes, frame.len()) {
            Ok(decoded) => {
                self.pos = frame.payload_end;
                self.complete = false;
                Ok(Some(match decoded {
                    Decoded::Ref(record) => record,
                    Decoded::Summary(summary) => RecordRef::Summary(self.summary.insert(summary)),
                }))
            }
            Err(reason) => {
                self.done = true;
                Err(corrupt(self.base + self.pos as u64, reason))
            }
        }
    }

    /// The next record of a known type other than the end marker, now whole in the buffer. Skips
    /// end markers and unknown types; finishes the reader at the end of the input or on an error.
    #[inline]
    fn next_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let frame = match self.frame_in_buffer() {
                Some(frame) => frame,
                None => match self.frame_slow() {
                    Ok(Some(frame)) => frame,
                    Ok(None) => {
                        self.done = true;
                        return Ok(None);
                    }
                    Err(e) => {
                        self.done = true;
                        return Err(e);
                    }
                },
            };
            if kind::is_known(frame.record_type) {
                return Ok(Some(frame));
            }
            self.pos = frame.payload_end;
            if frame.record_type == kind::END {
                self.complete = true;
            }
            // Otherwise a record type from a newer writer: skipping it is the compatibility rule.
        }
    }

    /// The common case: a nonzero type, a one-byte length, and the whole record already read.
    #[inline(always)]
    fn frame_in_buffer(&self) -> Option<Frame> {
        let available = self.buf.get(self.pos..self.end)?;
        let &[record_type, len, ..] = available else {
            return None;
        };
        if record_type == 0 || len >= 0x80 {
            return None;
        }
        let payload = self.pos + 2;
        let payload_end = payload + usize::from(len);
        (payload_end <= self.end).then_some(Frame {
            record_type,
            payload,
            payload_end,
        })
    }

    /// Frames the next record byte by byte, reading more input as needed; `None` at the end of
    /// the input (after setting `truncated` if it ends inside the record).
    #[cold]
    #[inline(never)]
    fn frame_slow(&mut self) -> Result<Option<Frame>, ReadError> {
        let start = self.offset();
        if !self.fill(1)? {
            return Ok(None);
        }
        let record_type = self.buf[self.pos];
        if record_type == 0 {
            return Err(corrupt(
                start,
                "record type 0 is reserved (zero-filled bytes: the file was not fully written)",
            ));
        }
        let mut acc = 0;
        let mut len = None;
        for index in 0..varint::MAX_LEN {
            if !self.fill(index + 2)? {
                self.truncated = true;
                return Ok(None);
            }
            match varint::step(&mut acc, index, self.buf[self.pos + 1 + index]) {
                Ok(Some(value)) if value > MAX_RECORD_LEN => {
                    return Err(corrupt(
                        start,
                        format!("record length {value} exceeds the {MAX_RECORD_LEN}-byte limit"),
                    ));
                }
                Ok(Some(value)) => {
                    len = Some((value, index + 1));
                    break;
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
        let Some((len, len_bytes)) = len else {
            return Err(corrupt(start, "record length is not a valid varint"));
        };
        // At most MAX_RECORD_LEN: fits any usize this crate builds for.
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let header = 1 + len_bytes;
        if !self.fill(header.saturating_add(len))? {
            self.truncated = true;
            return Ok(None);
        }
        let payload = self.pos + header;
        Ok(Some(Frame {
            record_type,
            payload,
            payload_end: payload + len,
        }))
    }

    /// Reads until `buf[pos..end]` holds at least `n` bytes; `false` if the input ends first.
    ///
    /// Unconsumed bytes move to the front before each read. The buffer grows only when it is full
    /// of them, and then at most doubles, so a record claiming 16 MiB in a short file costs what
    /// the file holds, not what the record claims.
    fn fill(&mut self, n: usize) -> Result<bool, ReadError> {
        while self.end - self.pos < n {
            if self.eof {
                return Ok(false);
            }
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.base += self.pos as u64;
                self.end -= self.pos;
                self.pos = 0;
            }
            if self.end == self.buf.len() {
                let grown = self.buf.len().saturating_mul(2).min(n).max(BUF_LEN);
                self.buf.resize(grown, 0);
            }
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.end += read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }
}

impl<R: Read, H: HistogramForm> Iterator for TraceReader<R, H> {
    type Item = Result<Record<H>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let frame = match self.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let bytes = self.buf.get(frame.payload..).unwrap_or_default();
        Some(
            match decode::decode(&mut self.state, frame.record_type, bytes, frame.len()) {
                Ok(decoded) => {
                    self.pos = frame.payload_end;
                    self.complete = false;
                    Ok(match decoded {
                        Decoded::Ref(record) => record.to_record(),
                        // Handed over as is: no copy of the histograms.
                        Decoded::Summary(summary) => Record::Summary(summary),
                    })
                }
                Err(reason) => {
                    self.done = true;
                    Err(corrupt(self.base + self.pos as u64, reason))
                }
            },
        )
    }
}

impl<R: Read, H: HistogramForm> std::iter::FusedIterator for TraceReader<R, H> {}
