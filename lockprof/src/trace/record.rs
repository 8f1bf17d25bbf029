//! What a trace file holds, as the reader yields it and the writer takes it.
//!
//! Names (locks, threads, sites) are defined once by a definition record and referred to by id
//! afterwards, so a wait or hold record is a handful of varints.

use hdrhistogram::Histogram;

use super::format::StrId;
use super::stack_record::{Frame, Spans, SpansRef, Stack, StackRef};
use crate::{LockKind, Mode};

/// The fixed header at the start of every trace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version of the file.
    pub version: u16,
    /// Id of the process that wrote the trace.
    pub pid: u32,
    /// Wall-clock time when the trace was started, nanoseconds since the Unix epoch.
    pub start_unix_ns: u64,
    /// Ticks per second of the `at_ns`/`*_ns` clock (always 1e9: values are nanoseconds).
    pub clock_hz: u64,
}

/// One record of a trace file. `H` is the form of a summary's histograms (see
/// [`HistogramForm`](super::HistogramForm)).
#[derive(Clone, Debug, PartialEq)]
pub enum Record<H = Histogram<u64>> {
    /// Defines string `id` (a lock name, thread name or site); ids are dense, from 0.
    String {
        /// The id later records use.
        id: StrId,
        /// The text (untrusted: escape it before display).
        value: String,
    },
    /// Defines a thread: its lockprof thread id and name.
    Thread {
        /// lockprof thread id (the `thread_id` event field).
        id: u64,
        /// Its name.
        name: StrId,
    },
    /// Defines a lock: its process-unique id, name and kind.
    Lock {
        /// The `lock_id` event field.
        id: u64,
        /// Its name.
        name: StrId,
        /// Mutex or RwLock.
        kind: LockKind,
    },
    /// A contended acquisition.
    Wait(Wait),
    /// A hold.
    Hold(Hold),
    /// Per-thread counts and histograms of short waits and holds for one lock and site.
    Summary(Box<Summary<H>>),
    /// The writer dropped this many events since the previous `Dropped` record (it fell behind
    /// or its output failed).
    Dropped {
        /// Number of events lost.
        count: u64,
    },
    /// Defines one symbolized frame of native stacks.
    Frame(Frame),
    /// Defines a native stack: its frames, root first.
    Stack(Stack),
    /// Defines a span stack: the names of entered `tracing` spans, outermost first.
    Spans(Spans),
}

/// One record of a trace file, borrowed from the reader instead of owned.
///
/// [`TraceReader::next_ref`](super::TraceReader::next_ref) yields these: a string's text points
/// into the reader's buffer and a summary into the reader itself, so reading a trace this way
/// allocates nothing per record. It is [`Record`] with `&str` for `String` and `&Summary` for
/// `Box<Summary>`; [`to_record`](Self::to_record) makes the owned form.
#[derive(Debug, PartialEq)]
pub enum RecordRef<'a, H = Histogram<u64>> {
    /// Defines string `id`; see [`Record::String`].
    String {
        /// The id later records use.
        id: StrId,
        /// The text (untrusted: escape it before display).
        value: &'a str,
    },
    /// Defines a thread; see [`Record::Thread`].
    Thread {
        /// lockprof thread id (the `thread_id` event field).
        id: u64,
        /// Its name.
        name: StrId,
    },
    /// Defines a lock; see [`Record::Lock`].
    Lock {
        /// The `lock_id` event field.
        id: u64,
        /// Its name.
        name: StrId,
        /// Mutex or RwLock.
        kind: LockKind,
    },
    /// A contended acquisition.
    Wait(Wait),
    /// A hold.
    Hold(Hold),
    /// Per-thread counts and histograms of short waits and holds for one lock and site.
    Summary(&'a Summary<H>),
    /// The writer dropped this many events; see [`Record::Dropped`].
    Dropped {
        /// Number of events lost.
        count: u64,
    },
    /// Defines a frame; see [`Record::Frame`].
    Frame(Frame),
    /// Defines a native stack; see [`Record::Stack`].
    Stack(StackRef<'a>),
    /// Defines a span stack; see [`Record::Spans`].
    Spans(SpansRef<'a>),
}

// By hand: derived, they would ask the histograms to be `Copy` too.
impl<H> Clone for RecordRef<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H> Copy for RecordRef<'_, H> {}

impl<H: Clone> RecordRef<'_, H> {
    /// The owned form (copies a string's text and a summary's histograms).
    pub fn to_record(&self) -> Record<H> {
        match *self {
            RecordRef::String { id, value } => Record::String {
                id,
                value: value.to_owned(),
            },
            RecordRef::Thread { id, name } => Record::Thread { id, name },
            RecordRef::Lock { id, name, kind } => Record::Lock { id, name, kind },
            RecordRef::Wait(wait) => Record::Wait(wait),
            RecordRef::Hold(hold) => Record::Hold(hold),
            RecordRef::Summary(summary) => Record::Summary(Box::new(summary.clone())),
            RecordRef::Dropped { count } => Record::Dropped { count },
            RecordRef::Frame(frame) => Record::Frame(frame),
            RecordRef::Stack(stack) => Record::Stack(stack.to_stack()),
            RecordRef::Spans(spans) => Record::Spans(spans.to_spans()),
        }
    }
}

impl<'a, H> From<&'a Record<H>> for RecordRef<'a, H> {
    fn from(record: &'a Record<H>) -> Self {
        match record {
            Record::String { id, value } => RecordRef::String { id: *id, value },
            &Record::Thread { id, name } => RecordRef::Thread { id, name },
            &Record::Lock { id, name, kind } => RecordRef::Lock { id, name, kind },
            Record::Wait(wait) => RecordRef::Wait(*wait),
            Record::Hold(hold) => RecordRef::Hold(*hold),
            Record::Summary(summary) => RecordRef::Summary(summary),
            &Record::Dropped { count } => RecordRef::Dropped { count },
            Record::Frame(frame) => RecordRef::Frame(*frame),
            Record::Stack(stack) => RecordRef::Stack(stack.into()),
            Record::Spans(spans) => RecordRef::Spans(spans.into()),
        }
    }
}

/// A contended acquisition (a `wait` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// Lock id.
    pub lock: u64,
    /// Acquisition mode.
    pub mode: Mode,
    /// Thread that waited.
    pub thread: u64,
    /// Acquire site.
    pub site: StrId,
    /// Thread that held the lock when the wait began; 0 when unknown.
    pub holder: u64,
    /// Nanoseconds waited.
    pub wait_ns: u64,
    /// When the wait began (monotonic ns since the process's lockprof epoch).
    pub at_ns: u64,
    /// Sampling weight.
    pub weight: u64,
    /// The wait gave up (timed acquisition).
    pub timed_out: bool,
    /// The waiter's native stack (a [`Record::Stack`] id); 0 when none was captured.
    pub stack: u64,
    /// The holder's native stack at the hold this wait was for; 0 when not known.
    pub holder_stack: u64,
    /// The span stack the waiter was in (a [`Record::Spans`] id); 0 outside any span.
    pub spans: u64,
    /// The task that waited, for an async lock (its label, a string); `None` for a thread's wait.
    pub task: Option<StrId>,
}

/// A hold (a `hold` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    /// Lock id.
    pub lock: u64,
    /// Acquisition mode.
    pub mode: Mode,
    /// Thread that held the lock.
    pub thread: u64,
    /// Acquire site.
    pub site: StrId,
    /// Nanoseconds held.
    pub hold_ns: u64,
    /// Nanoseconds other threads waited during the hold.
    pub blame_ns: u64,
    /// Threads waiting when the hold ended.
    pub waiters: u32,
    /// When the hold began.
    pub at_ns: u64,
    /// Sampling weight.
    pub weight: u64,
    /// `false` when `hold_ns` is a lower bound (see docs/EVENTS.md).
    pub hold_exact: bool,
    /// The holder's native stack (a [`Record::Stack`] id); 0 when none was captured.
    pub stack: u64,
    /// The span stack the holder was in (a [`Record::Spans`] id); 0 outside any span.
    pub spans: u64,
    /// The task that held the lock, for an async lock; `None` for a thread's hold.
    pub task: Option<StrId>,
}

/// Per-thread counts and short-event histograms for one lock, site and mode (a `summary` event).
/// Readers return the histograms decoded (`H` = `Histogram<u64>`).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary<H = Histogram<u64>> {
    /// Lock id.
    pub lock: u64,
    /// Acquisition mode.
    pub mode: Mode,
    /// Thread the counts are from.
    pub thread: u64,
    /// Acquire site.
    pub site: StrId,
    /// When the summary was flushed.
    pub at_ns: u64,
    /// Exact acquisitions since the previous summary for the same key.
    pub acquisitions: u64,
    /// Exact contended acquisitions (including those also reported as `Wait` records).
    pub contended: u64,
    /// Exact timed acquisitions that gave up.
    pub timeouts: u64,
    /// Number of short waits (in `wait_hist`).
    pub waits: u64,
    /// Exact sum of the short waits, ns.
    pub wait_ns: u64,
    /// Histogram of the short waits, ns.
    pub wait_hist: H,
    /// Weighted number of short holds (in `hold_hist`).
    pub holds: u64,
    /// Weighted sum of the short holds, ns.
    pub hold_ns: u64,
    /// Histogram of the short holds, ns, counts weighted.
    pub hold_hist: H,
    /// Blame of the holds not reported as `Hold` records, ns.
    pub blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds rather than exact, ns (0 in traces
    /// written before the field existed).
    pub blame_estimated_ns: u64,
    /// Waiting on the lock charged to no hold exactly, ns: hand-offs between holds, and in storms
    /// of short holds the waiting during unmeasured holds (0 in traces written before the field
    /// existed).
    pub unattributed_ns: u64,
    /// The native stack of one of the short waits, drawn with a chance in proportion to its
    /// length: where `wait_ns` is shown (0: none, and in traces written before the field existed).
    pub wait_stack: u64,
    /// The native stack of one of the holds in `blame_ns`, drawn with a chance in proportion to
    /// its blame (0: none, as above).
    pub blame_stack: u64,
    /// The task the waits and holds are of, for an async lock; `None` for a thread's (and for an
    /// async lock's counts of acquisitions, which know no task).
    pub task: Option<StrId>,
}

impl Header {
    /// A header for a new trace in the current format, with nanosecond clock values.
    pub fn new(pid: u32, start_unix_ns: u64) -> Header {
        Header {
            version: super::FORMAT_VERSION,
            pid,
            start_unix_ns,
            clock_hz: 1_000_000_000,
        }
    }

    /// A header for a trace of this process. Its start time is the lockprof epoch (where `at_ns`
    /// is 0), so readers can turn `at_ns` into wall-clock time.
    pub fn now() -> Header {
        Header::new(std::process::id(), crate::clock::epoch_unix_ns())
    }
}
