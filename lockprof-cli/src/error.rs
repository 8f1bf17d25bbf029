//! Why a command failed. Every message is one line that names the input and says what to do.

use std::io;

use lockprof::trace::ReadError;

use crate::escape;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input could not be opened.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The input as given.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// An input is a directory.
    #[error("{path}: is a directory; give a trace file (or - for stdin)")]
    IsDirectory {
        /// The input as given.
        path: String,
    },
    /// An input has no bytes.
    #[error(
        "{path}: is empty; expected a lockprof trace or tracing JSON lines (keep the guard of \
         lockprof::init() alive until the program ends)"
    )]
    Empty {
        /// The input as given.
        path: String,
    },
    /// An input is neither a lockprof trace file nor JSON lines.
    #[error(
        "{path}: not a lockprof trace or tracing JSON lines; give a file written by lockprof's \
         Layer, or the output of tracing_subscriber::fmt().json()"
    )]
    NotATrace {
        /// The input as given.
        path: String,
    },
    /// A trace file could not be read (corrupt record, unsupported version, I/O).
    #[error("{path}: {source}")]
    Trace {
        /// The input as given.
        path: String,
        /// What the trace reader found.
        source: ReadError,
    },
    /// Reading an input failed.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The input as given.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A JSON-lines input holds no lockprof event.
    #[error(
        "{path}: no lockprof events in {lines} lines of JSON; record with the lockprof Layer or \
         let target \"lockprof\" at level TRACE through the JSON formatter's filter"
    )]
    NoEvents {
        /// The input as given.
        path: String,
        /// Non-blank lines read.
        lines: u64,
    },
    /// `--lock NAME` names no lock of the inputs.
    #[error(
        "no lock named {} in the input; locks: {}",
        escape::quoted(name),
        list(known)
    )]
    UnknownLock {
        /// The name asked for.
        name: String,
        /// The names present.
        known: Vec<String>,
    },
    /// A flamegraph view has nothing to draw.
    #[error("nothing to draw: no {view} time was recorded{}", lock_suffix(lock.as_deref()))]
    NothingToDraw {
        /// The view's name.
        view: &'static str,
        /// The `--lock` filter, if any.
        lock: Option<String>,
    },
    /// The timeline has no event to draw.
    #[error(
        "nothing to draw: no wait or hold events with a start time{} (the timeline shows the waits and holds \
         recorded one by one; shorter ones, under the event threshold of 10 µs by default, are \
         only summarised, without times)",
        lock_suffix(lock.as_deref())
    )]
    EmptyTimeline {
        /// The `--lock` filter, if any.
        lock: Option<String>,
    },
    /// Both inputs of `diff` are `-`.
    #[error("BASE and NEW are both - (stdin): only one of them can be read from stdin")]
    StdinTwice,
    /// Writing the output failed.
    #[error("cannot write {what}: {source}")]
    Write {
        /// What was being written (`stdout`, a path).
        what: String,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl Error {
    /// Whether this is a write to a closed pipe (`lockprof report | head`), which is not a
    /// failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    const MAX: usize = 20;
    let mut out: Vec<String> = names.iter().take(MAX).map(|n| escape::quoted(n)).collect();
    if names.len() > MAX {
        out.push(format!("and {} more", names.len() - MAX));
    }
    out.join(", ")
}

fn lock_suffix(lock: Option<&str>) -> String {
    lock.map(|l| format!(" for lock {}", escape::quoted(l)))
        .unwrap_or_default()
}
