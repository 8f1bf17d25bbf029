//! The stream a reader feeds the [`Aggregator`](super::Aggregator): waits, holds and summaries in
//! the aggregate's own ids, whatever format they came from. A reader maps its input's ids to these
//! (interning names and stacks through the aggregator) and hands over one event at a time.

use lockprof::Mode;

use super::intern::{SpansId, StackId, Sym};
use crate::model::SummaryHist;

/// Index of an input (a trace file or a log) in the aggregate.
pub(crate) type InputIdx = u32;

/// Index of a lock in the aggregate: one lock id of one input.
pub(crate) type LockIdx = u32;

/// Where an event happened: which lock, thread, acquire site, span stack and native stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CellKey {
    pub(crate) lock: LockIdx,
    pub(crate) thread: Sym,
    pub(crate) site: Sym,
    /// The `tracing` spans the thread was in.
    pub(crate) spans: SpansId,
    /// The thread's native stack (where it waited, or held).
    pub(crate) stack: StackId,
    /// The task that waited or held, for an async lock; [`NO_TASK`] for a thread's.
    pub(crate) task: Sym,
}

/// [`CellKey::task`] of a thread's wait or hold (no task). No interned name has this id, so it
/// resolves to nothing.
pub(crate) const NO_TASK: Sym = Sym::MAX;

/// The thread that held the lock when a wait began, to pair the wait with that hold's stack.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Holder {
    /// The input's id of the thread; 0 (unknown) leaves the wait unpaired.
    pub(crate) id: u64,
    pub(crate) name: Sym,
    /// Its stack as the wait recorded it; [`NO_STACK`](super::intern::NO_STACK) to find it by
    /// time among the holds with a stack.
    pub(crate) stack: StackId,
}

/// One wait (a contended acquisition), standing for `weight` waits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitEvent {
    pub(crate) key: CellKey,
    /// How the thread was acquiring the lock.
    pub(crate) mode: Mode,
    /// The input's id of the waiting thread, when it gives one.
    pub(crate) thread_id: Option<u64>,
    /// When the wait began.
    pub(crate) at_ns: Option<u64>,
    pub(crate) wait_ns: u64,
    pub(crate) weight: u64,
    /// The attempt gave up (a timed acquisition).
    pub(crate) timed_out: bool,
    /// Who held the lock, when the input wants the wait paired with the holder's stack.
    pub(crate) holder: Option<Holder>,
    /// The name of the thread that held the lock when the wait began, when known; readers look
    /// it up only for an aggregator that keeps a timeline
    /// ([`keeps_timeline`](super::Aggregator::keeps_timeline)), the one user of it.
    pub(crate) holder_name: Option<Sym>,
}

/// One hold that made others wait `blame_ns`, standing for `weight` holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldEvent {
    pub(crate) key: CellKey,
    /// How the thread held the lock.
    pub(crate) mode: Mode,
    /// The input's id of the holding thread, and when the hold began: with a stack, both are
    /// needed to pair waits with the hold by time.
    pub(crate) thread_id: Option<u64>,
    pub(crate) at_ns: Option<u64>,
    pub(crate) hold_ns: u64,
    pub(crate) blame_ns: u64,
    pub(crate) weight: u64,
    /// Threads still waiting when the hold ended.
    pub(crate) waiters: u64,
    /// `false` when `hold_ns` runs from the first waiter's arrival, not the acquisition.
    pub(crate) hold_exact: bool,
}

/// A thread's summary of one (lock, site): exact counts plus the histograms of the waits and
/// holds too short to be events.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SummaryEvent<'h> {
    /// Where; its stack is unused (the counts say which stacks to show their waits and holds
    /// under).
    pub(crate) key: CellKey,
    /// The mode of the acquisitions summarised.
    pub(crate) mode: Mode,
    pub(crate) at_ns: Option<u64>,
    pub(crate) counts: SummaryCounts,
    pub(crate) wait_hist: Option<SummaryHist<'h>>,
    pub(crate) hold_hist: Option<SummaryHist<'h>>,
}

/// The exact counts of a summary.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SummaryCounts {
    pub(crate) acquisitions: u64,
    pub(crate) contended: u64,
    pub(crate) timeouts: u64,
    pub(crate) waits: u64,
    pub(crate) wait_ns: u64,
    pub(crate) holds: u64,
    pub(crate) hold_ns: u64,
    pub(crate) blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    pub(crate) blame_estimated_ns: u64,
    /// Waiting on the lock charged to no hold exactly.
    pub(crate) unattributed_ns: u64,
    /// Where the summary's waits are shown: the stack of one of them, drawn in proportion to
    /// their lengths (`NO_STACK` when the summary has none).
    pub(crate) wait_stack: StackId,
    /// Where its holds and blame are shown, likewise.
    pub(crate) blame_stack: StackId,
}
