//! Reading: inputs (files or stdin) told apart by their first bytes, and read by a thin reader
//! per format that turns its records or lines into the [`Aggregator`]'s typed events:
//! [`TraceInput`] for lockprof's trace files, [`JsonInput`] for `tracing` JSON lines. What the
//! readers notice about an input that is still usable (cut off, unfinished, lines skipped) comes
//! back as [`Notice`]s.

mod id_table;
mod json_lines;
mod notice;
mod source;
mod stack_ids;
mod trace_file;

use std::io::{self, BufReader, Read};

use lockprof::trace::{HistogramBuckets, ReadError, TraceReader, is_trace};

pub use json_lines::{JsonInput, JsonStats, MAX_LINE_LEN};
pub use notice::Notice;
pub use source::{LoadOptions, Source};
pub use trace_file::TraceInput;

use crate::{Aggregator, Error};

/// Bytes read to tell a trace file from JSON lines.
const SNIFF_LEN: usize = 8;

/// Read buffer size.
const BUF_LEN: usize = 256 << 10;

/// Reads one input into `agg`, adding what is worth telling about it to `notices`.
///
/// # Errors
/// When the input is missing, a directory, empty, in neither format, corrupt, or unreadable.
pub(crate) fn read_source(
    agg: &mut Aggregator,
    source: &Source,
    opts: &LoadOptions,
    notices: &mut Vec<Notice>,
) -> Result<(), Error> {
    let name = source.to_string();
    let opened = source.open(&name, opts)?;
    let result = read_stream(agg, opened.reader, &name, notices);
    if let Some(bar) = opened.bar {
        bar.finish_and_clear();
    }
    result
}

/// Tells the format of `reader` from its first bytes and reads it into `agg`.
fn read_stream(
    agg: &mut Aggregator,
    mut reader: Box<dyn Read + '_>,
    name: &str,
    notices: &mut Vec<Notice>,
) -> Result<(), Error> {
    let read_err = |e: io::Error| Error::Read {
        path: name.to_owned(),
        source: e,
    };
    let mut prefix = [0u8; SNIFF_LEN];
    let n = read_up_to(&mut reader, &mut prefix).map_err(read_err)?;
    if n == 0 {
        return Err(Error::Empty {
            path: name.to_owned(),
        });
    }
    let whole = io::Cursor::new(prefix[..n].to_vec()).chain(reader);
    if is_trace(&prefix[..n]) {
        read_trace(agg, whole, name, notices)
    } else if looks_like_json_lines(&prefix[..n]) {
        read_json(agg, whole, name, notices)
    } else {
        Err(Error::NotATrace {
            path: name.to_owned(),
        })
    }
}

/// JSON lines start with an object, perhaps after blank lines.
fn looks_like_json_lines(prefix: &[u8]) -> bool {
    match prefix.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b) => *b == b'{',
        None => true,
    }
}

fn read_trace(
    agg: &mut Aggregator,
    reader: impl Read,
    name: &str,
    notices: &mut Vec<Notice>,
) -> Result<(), Error> {
    let trace_err = |e: ReadError| match e {
        ReadError::Empty => Error::Empty {
            path: name.to_owned(),
        },
        ReadError::NotATrace => Error::NotATrace {
            path: name.to_owned(),
        },
        e => Error::Trace {
            path: name.to_owned(),
            source: e,
        },
    };
    // Summaries' histograms as their buckets: expanding each into HdrHistogram's counts array
    // was most of the time a long trace took (lockprof-cli/BENCHMARKS.md, "Reading long traces").
    let mut trace =
        TraceReader::<_, HistogramBuckets>::with_histograms(reader).map_err(trace_err)?;
    let mut input = TraceInput::new(agg);
    while let Some(record) = trace.next_ref().map_err(trace_err)? {
        input.record_ref(record);
    }
    if trace.truncated() {
        notices.push(Notice::Truncated {
            input: name.to_owned(),
            offset: trace.offset(),
        });
    } else if !trace.complete() {
        notices.push(Notice::Unfinished {
            input: name.to_owned(),
        });
    }
    Ok(())
}

fn read_json(
    agg: &mut Aggregator,
    reader: impl Read,
    name: &str,
    notices: &mut Vec<Notice>,
) -> Result<(), Error> {
    let mut input = JsonInput::new(agg);
    let stats = input
        .read(BufReader::with_capacity(BUF_LEN, reader))
        .map_err(|e| Error::Read {
            path: name.to_owned(),
            source: e,
        })?;
    if stats.events == 0 {
        return Err(if stats.skipped == 0 {
            Error::Empty {
                path: name.to_owned(),
            }
        } else {
            Error::NoEvents {
                path: name.to_owned(),
                lines: stats.skipped,
            }
        });
    }
    if stats.skipped > 0 {
        notices.push(Notice::SkippedLines {
            input: name.to_owned(),
            stats,
        });
    }
    Ok(())
}

/// Reads until `buf` is full or the input ends.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
