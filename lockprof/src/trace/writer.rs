//! Encodes records into the trace file format.

use std::fmt;
use std::io::{self, Write};

use super::format::{self, FORMAT_VERSION, HEADER_FIELDS_LEN, MAGIC, flags, kind};
use super::hist::SummaryHistogram;
use super::stack_record::{self, MAX_STACK_LEN};
use super::{Header, Hold, Record, StrId, Summary, Wait, varint};

/// Writes a trace: the header on creation, then one framed record per [`write`](Self::write).
///
/// Each record is encoded into a scratch buffer and handed to the output with a single
/// `write_all`, so wrap a file in a [`BufWriter`](std::io::BufWriter) larger than the biggest
/// record: then a failed write leaves no partial record behind and later writes may resume.
/// State (string ids, the timestamp delta base) only advances when a write succeeds.
///
/// The writer refuses records a reader would reject: a [`Record::String`] whose id is not the next
/// one, or a reference to a string id not defined yet ([`io::ErrorKind::InvalidInput`]).
pub struct TraceWriter<W: Write> {
    out: W,
    /// Strings defined so far; ids are dense, so this is also the next id.
    strings: u32,
    /// `at_ns` of the last wait, hold or summary written: the base of the next delta.
    last_at_ns: u64,
    /// Bytes handed to `out` so far.
    written: u64,
    scratch: Vec<u8>,
    hist_scratch: Vec<u8>,
}

impl<W: Write> fmt::Debug for TraceWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceWriter")
            .field("strings", &self.strings)
            .field("last_at_ns", &self.last_at_ns)
            .finish_non_exhaustive()
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl<W: Write> TraceWriter<W> {
    /// Writes `header` to `out` and returns a writer positioned for the first record.
    ///
    /// `header.version` must be [`FORMAT_VERSION`] (use [`Header::new`]) and `clock_hz` non-zero.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        if header.version != FORMAT_VERSION {
            return Err(invalid(format!(
                "this writer produces format version {FORMAT_VERSION}, not {}",
                header.version
            )));
        }
        if header.clock_hz == 0 {
            return Err(invalid("clock_hz must not be 0".to_owned()));
        }
        let mut bytes = Vec::with_capacity(format::HEADER_PREFIX_LEN + HEADER_FIELDS_LEN as usize);
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&HEADER_FIELDS_LEN.to_le_bytes());
        bytes.extend_from_slice(&header.pid.to_le_bytes());
        bytes.extend_from_slice(&header.start_unix_ns.to_le_bytes());
        bytes.extend_from_slice(&header.clock_hz.to_le_bytes());
        out.write_all(&bytes)?;
        Ok(TraceWriter {
            out,
            strings: 0,
            last_at_ns: 0,
            written: bytes.len() as u64,
            scratch: Vec::with_capacity(64),
            hist_scratch: Vec::new(),
        })
    }

    /// Appends one record.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        self.scratch.clear();
        let mut next_at = None;
        match record {
            Record::String { id, value } => {
                if *id != self.strings {
                    return Err(invalid(format!(
                        "string id {id} defined out of order (next id is {})",
                        self.strings
                    )));
                }
                return self.write_string(value).map(drop);
            }
            Record::Thread { id, name } => {
                self.check_str(*name)?;
                let start = self.begin_small(kind::THREAD);
                varint::put(&mut self.scratch, *id);
                varint::put(&mut self.scratch, u64::from(*name));
                self.end_small(start);
            }
            Record::Lock { id, name, kind } => {
                self.check_str(*name)?;
                let start = self.begin_small(kind::LOCK);
                varint::put(&mut self.scratch, *id);
                varint::put(&mut self.scratch, u64::from(*name));
                let (code, ext) = format::lock_kind_code(*kind);
                varint::put(&mut self.scratch, code);
                if let Some(ext) = ext {
                    varint::put(&mut self.scratch, ext);
                }
                self.end_small(start);
            }
            Record::Wait(wait) => {
                self.check_str(wait.site)?;
                self.check_task(wait.task)?;
                self.encode_wait(wait);
                next_at = Some(wait.at_ns);
            }
            Record::Hold(hold) => {
                self.check_str(hold.site)?;
                self.check_task(hold.task)?;
                self.encode_hold(hold);
                next_at = Some(hold.at_ns);
            }
            Record::Summary(summary) => return self.write_summary(summary),
            Record::Dropped { count } => {
                let start = self.begin_small(kind::DROPPED);
                varint::put(&mut self.scratch, *count);
                self.end_small(start);
            }
            Record::Frame(frame) => {
                self.check_str(frame.function)?;
                self.check_str(frame.file)?;
                if frame.id == 0 {
                    return Err(invalid("frame id 0 is reserved".to_owned()));
                }
                stack_record::encode_frame(&mut self.scratch, frame);
            }
            Record::Stack(stack) => {
                if stack.id == 0 || stack.frames.contains(&0) {
                    return Err(invalid("stack and frame id 0 are reserved".to_owned()));
                }
                if stack.frames.len() > MAX_STACK_LEN {
                    return Err(invalid(format!(
                        "a stack of {} frames is longer than {MAX_STACK_LEN}",
                        stack.frames.len()
                    )));
                }
                stack_record::encode_stack(&mut self.scratch, stack);
            }
            Record::Spans(spans) => {
                if spans.id == 0 {
                    return Err(invalid("span stack id 0 is reserved".to_owned()));
                }
                if spans.names.len() > MAX_STACK_LEN {
                    return Err(invalid(format!(
                        "a span stack of {} names is longer than {MAX_STACK_LEN}",
                        spans.names.len()
                    )));
                }
                for &name in &spans.names {
                    self.check_str(name)?;
                }
                stack_record::encode_spans(&mut self.scratch, spans);
            }
        }
        self.out.write_all(&self.scratch)?;
        self.written += self.scratch.len() as u64;
        if let Some(at) = next_at {
            self.last_at_ns = at;
        }
        Ok(())
    }

    /// Appends one summary record, whatever form its histograms are in.
    pub(crate) fn write_summary<H: SummaryHistogram>(&mut self, s: &Summary<H>) -> io::Result<()> {
        self.scratch.clear();
        self.check_str(s.site)?;
        self.check_task(s.task)?;
        self.encode_summary(s)?;
        self.out.write_all(&self.scratch)?;
        self.written += self.scratch.len() as u64;
        self.last_at_ns = s.at_ns;
        Ok(())
    }

    /// Defines the next string (a [`Record::String`] without building one) and returns its id.
    pub fn write_string(&mut self, value: &str) -> io::Result<StrId> {
        let id = self.strings;
        let next = id
            .checked_add(1)
            .ok_or_else(|| invalid("more than u32::MAX strings".to_owned()))?;
        self.scratch.clear();
        self.scratch.push(kind::STRING);
        let mut p = Vec::with_capacity(value.len() + 8);
        varint::put(&mut p, u64::from(id));
        varint::put(&mut p, value.len() as u64);
        p.extend_from_slice(value.as_bytes());
        if p.len() as u64 > format::MAX_RECORD_LEN {
            return Err(invalid(format!(
                "string of {} bytes is too long",
                value.len()
            )));
        }
        self.frame(&p);
        self.out.write_all(&self.scratch)?;
        self.written += self.scratch.len() as u64;
        self.strings = next;
        Ok(id)
    }

    /// Number of strings defined so far (the id the next one gets).
    pub fn strings_defined(&self) -> u32 {
        self.strings
    }

    /// Bytes of the header and the records written so far: where the next record starts in the
    /// output. With a buffered output, those not yet in the output are still in the buffer.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes the end marker that tells readers the trace is complete, flushes, and returns the
    /// output. A trace without it reads fine but is reported as possibly cut short.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&[kind::END, 0])?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Returns the output without writing the end marker (the trace reads as incomplete).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// A shared reference to the output.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    fn check_task(&self, task: Option<StrId>) -> io::Result<()> {
        task.map_or(Ok(()), |id| self.check_str(id))
    }

    fn check_str(&self, id: StrId) -> io::Result<()> {
        if id < self.strings {
            Ok(())
        } else {
            Err(invalid(format!("string id {id} used before it is defined")))
        }
    }

    /// Appends the varint length and `payload` to the type byte already in `scratch`.
    fn frame(&mut self, payload: &[u8]) {
        varint::put(&mut self.scratch, payload.len() as u64);
        self.scratch.extend_from_slice(payload);
    }

    /// Fixed-shape payloads (everything but strings, summaries and stacks) are built in place
    /// after a one-byte length placeholder: at most a flags byte and twelve 10-byte varints,
    /// always under 128 bytes, so the length varint is that one byte.
    fn begin_small(&mut self, kind: u8) -> usize {
        self.scratch.push(kind);
        self.scratch.push(0);
        self.scratch.len()
    }

    fn end_small(&mut self, start: usize) {
        let len = self.scratch.len() - start;
        debug_assert!(len < 0x80);
        self.scratch[start - 1] = len as u8;
    }

    fn delta(&self, at_ns: u64) -> u64 {
        varint::zigzag(at_ns.wrapping_sub(self.last_at_ns) as i64)
    }

    fn encode_wait(&mut self, w: &Wait) {
        let start = self.begin_small(kind::WAIT);
        let mut f = format::mode_code(w.mode);
        if w.timed_out {
            f |= flags::TIMED_OUT;
        }
        if w.weight != 1 {
            f |= flags::HAS_WEIGHT;
        }
        let delta = self.delta(w.at_ns);
        let s = &mut self.scratch;
        s.push(f);
        for v in [
            w.lock,
            w.thread,
            u64::from(w.site),
            w.holder,
            w.wait_ns,
            delta,
        ] {
            varint::put(s, v);
        }
        if w.weight != 1 {
            varint::put(s, w.weight);
        }
        // Fields appended in version 1: left out when all are 0 (readers then read 0); the task
        // (its string id + 1, 0 = none) after them, only when there is one.
        let task = task_code(w.task);
        if w.stack | w.holder_stack | w.spans | task != 0 {
            for v in [w.stack, w.holder_stack, w.spans] {
                varint::put(s, v);
            }
        }
        if task != 0 {
            varint::put(s, task);
        }
        self.end_small(start);
    }

    fn encode_hold(&mut self, h: &Hold) {
        let start = self.begin_small(kind::HOLD);
        let mut f = format::mode_code(h.mode);
        if h.hold_exact {
            f |= flags::HOLD_EXACT;
        }
        if h.weight != 1 {
            f |= flags::HAS_WEIGHT;
        }
        let delta = self.delta(h.at_ns);
        let s = &mut self.scratch;
        s.push(f);
        for v in [
            h.lock,
            h.thread,
            u64::from(h.site),
            h.hold_ns,
            h.blame_ns,
            u64::from(h.waiters),
            delta,
        ] {
            varint::put(s, v);
        }
        if h.weight != 1 {
            varint::put(s, h.weight);
        }
        let task = task_code(h.task);
        if h.stack | h.spans | task != 0 {
            for v in [h.stack, h.spans] {
                varint::put(s, v);
            }
        }
        if task != 0 {
            varint::put(s, task);
        }
        self.end_small(start);
    }

    fn encode_summary<H: SummaryHistogram>(&mut self, s: &Summary<H>) -> io::Result<()> {
        let mut p = Vec::with_capacity(128);
        p.push(format::mode_code(s.mode));
        for v in [
            s.lock,
            s.thread,
            u64::from(s.site),
            self.delta(s.at_ns),
            s.acquisitions,
            s.contended,
            s.timeouts,
            s.waits,
            s.wait_ns,
            s.holds,
            s.hold_ns,
            s.blame_ns,
        ] {
            varint::put(&mut p, v);
        }
        for h in [&s.wait_hist, &s.hold_hist] {
            self.hist_scratch.clear();
            h.append_v2(&mut self.hist_scratch)?;
            varint::put(&mut p, self.hist_scratch.len() as u64);
            p.extend_from_slice(&self.hist_scratch);
        }
        // Appended in version 1: a trailing run of 0s is left out (readers then read 0), but a
        // 0 before a non-zero field is written so the fields keep their positions.
        let appended = [
            s.blame_estimated_ns,
            s.unattributed_ns,
            s.wait_stack,
            s.blame_stack,
            task_code(s.task),
        ];
        let written = appended
            .iter()
            .rposition(|&v| v != 0)
            .map_or(0, |last| last + 1);
        for &v in &appended[..written] {
            varint::put(&mut p, v);
        }
        if p.len() as u64 > format::MAX_RECORD_LEN {
            return Err(invalid(format!("summary of {} bytes is too long", p.len())));
        }
        self.scratch.push(kind::SUMMARY);
        self.frame(&p);
        Ok(())
    }
}

/// The appended `task` field of an event record: the string id + 1, 0 when there is no task.
fn task_code(task: Option<StrId>) -> u64 {
    task.map_or(0, |id| u64::from(id) + 1)
}
