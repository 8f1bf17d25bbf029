//! Opening inputs (files or stdin), telling native traces from JSON lines, and streaming each
//! into the aggregator.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use lockprof::trace::{ReadError, TraceReader, is_trace};

mod id_table;
mod json_lines;
mod stack_ids;
mod trace_file;

pub use json_lines::{JsonInput, JsonStats, MAX_LINE_LEN};
pub use trace_file::TraceInput;

use crate::{Aggregator, Error, Profile};

/// Inputs at least this large get a progress bar (when stderr is a terminal).
pub const PROGRESS_MIN_BYTES: u64 = 32 << 20;

/// Bytes read to tell a native trace from JSON lines.
const SNIFF_LEN: usize = 8;

/// Read buffer size.
const BUF_LEN: usize = 256 << 10;

/// One input: a file, or stdin (`-`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &OsStr) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("<stdin>"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// How to load inputs.
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Show a progress bar on stderr for large inputs. Defaults to `false`; set it when stderr is
    /// a terminal.
    pub progress: bool,
}

/// Something worth telling the user about an input that was still read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A native trace ends inside a record; everything before `offset` was used.
    Truncated {
        /// The input.
        input: String,
        /// Bytes of whole records.
        offset: u64,
    },
    /// A native trace ends without the writer's end marker: the program may have been killed,
    /// and its last events may be missing.
    Unfinished {
        /// The input.
        input: String,
    },
    /// A JSON-lines input had lines that were not lockprof events.
    SkippedLines {
        /// The input.
        input: String,
        /// What was read.
        stats: JsonStats,
    },
}

impl Notice {
    /// Whether this is a warning (the numbers may be incomplete) rather than information.
    pub fn is_warning(&self) -> bool {
        !matches!(self, Notice::SkippedLines { stats, .. } if stats.malformed == 0)
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Truncated { input, offset } => write!(
                f,
                "{input}: the trace is cut off inside a record after byte {offset} (the program \
                 was killed or the copy is incomplete); reporting the records before it"
            ),
            Notice::Unfinished { input } => write!(
                f,
                "{input}: the trace has no end marker (the program did not shut lockprof down \
                 cleanly); the last events may be missing"
            ),
            Notice::SkippedLines { input, stats } => {
                write!(
                    f,
                    "{input}: skipped {} of {} lines that are not lockprof events",
                    stats.skipped, stats.lines
                )?;
                if stats.malformed > 0 {
                    write!(
                        f,
                        " ({} had the lockprof target but unusable fields)",
                        stats.malformed
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// A merged profile and what was noticed while reading it.
#[derive(Debug)]
pub struct Loaded {
    /// The aggregate of every input.
    pub profile: Profile,
    /// Warnings and information about the inputs, in input order.
    pub notices: Vec<Notice>,
}

/// Reads and merges `sources`.
///
/// # Errors
/// The first input that is missing, a directory, empty, in neither format, corrupt, or
/// unreadable.
pub fn load(sources: &[Source], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut agg = Aggregator::new();
    let mut notices = Vec::new();
    for source in sources {
        read_source(&mut agg, source, opts, &mut notices)?;
    }
    Ok(Loaded {
        profile: agg.finish(),
        notices,
    })
}

/// Reads one input into `agg`.
///
/// # Errors
/// As [`load`].
pub fn read_source(
    agg: &mut Aggregator,
    source: &Source,
    opts: &LoadOptions,
    notices: &mut Vec<Notice>,
) -> Result<(), Error> {
    let name = source.to_string();
    let (reader, len): (Box<dyn Read>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin().lock()), None),
        Source::File(path) => {
            let file = File::open(path).map_err(|e| Error::Open {
                path: name.clone(),
                source: e,
            })?;
            let meta = file.metadata().map_err(|e| Error::Open {
                path: name.clone(),
                source: e,
            })?;
            if meta.is_dir() {
                return Err(Error::IsDirectory { path: name });
            }
            (Box::new(file), Some(meta.len()))
        }
    };
    let bar = match len {
        Some(len) if opts.progress && len >= PROGRESS_MIN_BYTES => Some(progress_bar(len)),
        _ => None,
    };
    let reader: Box<dyn Read> = match &bar {
        Some(bar) => Box::new(bar.wrap_read(reader)),
        None => reader,
    };
    let result = read_stream(agg, reader, &name, notices);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Sniffs the format of `reader` and aggregates it.
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
        read_native(agg, whole, name, notices)
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

fn read_native(
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
    let mut trace = TraceReader::new(reader).map_err(trace_err)?;
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
