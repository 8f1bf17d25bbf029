//! The constants of the on-disk layout, shared by the writer and the reader. docs/FORMAT.md is the
//! prose version of this file; change both together.

use crate::{LockKind, Mode};

/// Id of a string defined by a [`Record::String`](super::Record::String) earlier in the same
/// trace.
pub type StrId = u32;

/// The first eight bytes of every trace. The leading 0x89 can never start UTF-8 text or JSON, so
/// one byte tells a trace from JSON lines; the `\r\n` catches text-mode newline conversion.
pub const MAGIC: [u8; 8] = *b"\x89LPROF\r\n";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// Bytes of the version 1 header fields after `header_len` (pid, start time, clock frequency).
pub(crate) const HEADER_FIELDS_LEN: u16 = 4 + 8 + 8;
/// Bytes before the header fields: magic, version, header_len.
pub(crate) const HEADER_PREFIX_LEN: usize = MAGIC.len() + 2 + 2;

/// Largest payload a reader accepts. Real records are tens of bytes (summaries a few KiB), so a
/// bigger length means corruption, and refusing it bounds what a reader allocates.
pub const MAX_RECORD_LEN: u64 = 16 << 20;

/// Record type bytes. 0 is reserved so that zero-filled blocks (a crash on some file systems) read
/// as corruption instead of as an endless run of empty records.
pub(crate) mod kind {
    pub(crate) const STRING: u8 = 0x01;
    pub(crate) const THREAD: u8 = 0x02;
    pub(crate) const LOCK: u8 = 0x03;
    pub(crate) const WAIT: u8 = 0x04;
    pub(crate) const HOLD: u8 = 0x05;
    pub(crate) const SUMMARY: u8 = 0x06;
    pub(crate) const DROPPED: u8 = 0x07;
    pub(crate) const END: u8 = 0x08;
    pub(crate) const FRAME: u8 = 0x09;
    pub(crate) const STACK: u8 = 0x0A;
    pub(crate) const SPANS: u8 = 0x0B;

    /// Whether this build decodes records of `record_type` (the end marker aside).
    #[inline(always)]
    pub(crate) const fn is_known(record_type: u8) -> bool {
        matches!(record_type, STRING..=DROPPED | FRAME..=SPANS)
    }
}

/// Bits of the flags byte that opens wait, hold and summary payloads.
pub(crate) mod flags {
    /// Bits 0–1: the mode.
    pub(crate) const MODE_MASK: u8 = 0b0000_0011;
    /// Wait: the wait timed out.
    pub(crate) const TIMED_OUT: u8 = 0b0000_0100;
    /// Hold: the hold time is exact (the same bit as `TIMED_OUT`, in another record type).
    pub(crate) const HOLD_EXACT: u8 = TIMED_OUT;
    /// Wait, hold: a weight follows the timestamp delta (absent means weight 1).
    pub(crate) const HAS_WEIGHT: u8 = 0b0000_1000;
    /// Bits a version 1 wait or hold may set.
    pub(crate) const EVENT_KNOWN: u8 = MODE_MASK | TIMED_OUT | HOLD_EXACT | HAS_WEIGHT;
    /// Bits a version 1 summary may set.
    pub(crate) const SUMMARY_KNOWN: u8 = MODE_MASK;
}

pub(crate) const fn mode_code(mode: Mode) -> u8 {
    match mode {
        Mode::Exclusive => 0,
        Mode::Shared => 1,
        Mode::Upgradable => 2,
    }
}

pub(crate) const fn mode_from_code(code: u8) -> Option<Mode> {
    match code {
        0 => Some(Mode::Exclusive),
        1 => Some(Mode::Shared),
        2 => Some(Mode::Upgradable),
        _ => None,
    }
}

/// The Lock record's `kind` code of `kind`, and its appended `kind_ext` code if it is a kind the
/// first readers did not know: those write the nearest first kind in `kind` (a semaphore's is a
/// mutex), so that older readers still read the trace (docs/FORMAT.md).
pub(crate) const fn lock_kind_code(kind: LockKind) -> (u64, Option<u64>) {
    match kind {
        LockKind::Mutex => (0, None),
        LockKind::RwLock => (1, None),
        LockKind::Semaphore => (0, Some(2)),
    }
}

pub(crate) const fn lock_kind_from_code(code: u64) -> Option<LockKind> {
    match code {
        0 => Some(LockKind::Mutex),
        1 => Some(LockKind::RwLock),
        2 => Some(LockKind::Semaphore),
        _ => None,
    }
}

/// Whether `prefix` (the first bytes of a file, at least one) starts a trace file rather than,
/// say, JSON lines. The first byte alone decides; more bytes are checked against the magic too.
pub fn is_trace(prefix: &[u8]) -> bool {
    let n = prefix.len().min(MAGIC.len());
    n > 0 && prefix[..n] == MAGIC[..n]
}
