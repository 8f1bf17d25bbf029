//! Why a trace could not be read.

use std::io;

use super::FORMAT_VERSION;

/// Why a trace could not be read. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading the input failed.
    #[error("cannot read the trace: {0}")]
    Io(#[from] io::Error),
    /// The input has no bytes at all.
    #[error(
        "the trace is empty: the profiled program wrote nothing (keep the guard returned by \
         lockprof::init() alive until the program ends)"
    )]
    Empty,
    /// The input does not start with the trace magic.
    #[error(
        "not a lockprof trace (wrong magic bytes): give a file written by lockprof::init() or \
         lockprof::layer(), or JSON lines from tracing-subscriber's JSON formatter"
    )]
    NotATrace,
    /// The trace was written in a format version this build cannot read.
    #[error(
        "the trace is format version {version}, but this lockprof reads version {FORMAT_VERSION}: \
         read it with the lockprof version that wrote it, or upgrade lockprof"
    )]
    UnsupportedVersion {
        /// The version in the file's header.
        version: u16,
    },
    /// The bytes at `offset` are not a valid record (or header). Records before it were intact.
    #[error(
        "the trace is corrupt at byte {offset}: {reason} (records before that byte are intact; \
         the file was damaged or not fully written)"
    )]
    Corrupt {
        /// Byte offset of the start of the bad record (or of the bad header field).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}
