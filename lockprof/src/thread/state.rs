//! The thread-local state itself: one `const`-initialised thread-local without a destructor.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use super::site_key::SiteKey;
use crate::integral::WaitTicket;
use crate::site::TaggedSite;
use crate::stacks::StackId;

/// Number of counter slots per thread (a power of two).
pub(crate) const SLOTS: usize = 64;

/// Waits a thread can note inside critical sections before they are recorded (one per lock held
/// after a contended acquisition; more spill to the recorder directly).
const PENDING_WAITS: usize = 4;

/// A contended acquisition, noted inside the critical section and recorded after the release.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wait {
    /// Address of the lock's bookkeeping ([`LockMeta::addr`](crate::meta::LockMeta::addr)).
    pub(crate) lock: usize,
    pub(crate) site: SiteKey,
    pub(crate) start: u64,
    pub(crate) end: u64,
    /// lockprof id of the thread holding the lock when the wait began (0: unknown).
    pub(crate) holder: u64,
    /// Of this wait, what no hold is charged: the part before it registered in the lock's
    /// integral (see `WaitIntegral::defer_wait`).
    pub(crate) unattributed_ns: u64,
    /// The waiter's native stack, if captured before blocking (an `RwLock`'s; a mutex's is
    /// captured after the hold; 0: none yet).
    pub(crate) stack: StackId,
}

impl Wait {
    pub(super) const NONE: Wait = Wait {
        lock: 0,
        site: SiteKey(TaggedSite::NONE),
        start: 0,
        end: 0,
        holder: 0,
        unattributed_ns: 0,
        stack: 0,
    };
}

/// How a timed exclusive hold began: W of the lock's integral then (see
/// `WaitIntegral::charge_hold`), and whether it is a storm's sample.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldStart {
    /// The lock ([`LockMeta::addr`](crate::meta::LockMeta::addr)).
    pub(crate) lock: usize,
    /// When the hold began, as its token has it: a note is its hold's only, even when the
    /// release of that hold happens on another thread (a guard sent away) and the note stays.
    pub(crate) at: u64,
    /// How many holds it stands for as a storm's sample (see `storm_sample_due`); 0: none.
    pub(crate) storm_weight: u32,
    /// W of the lock's waiting integral when it began (`WaitIntegral::integral_at`), to charge
    /// it from at its release.
    pub(crate) integral: u64,
}

impl HoldStart {
    pub(super) const NONE: HoldStart = HoldStart {
        lock: 0,
        at: 0,
        storm_weight: 0,
        integral: 0,
    };
}

/// One exact acquisition counter. Written only by its thread: `count` on the fast path, all
/// three when the slot changes hands, which happens with the thread's recorder locked, so a
/// collector (which locks it too) never sees one key with another's count.
pub(super) struct Slot {
    pub(super) lock: AtomicU64,
    pub(super) site: AtomicUsize,
    /// Acquisitions since the slot was given to (lock, site); never reset otherwise: collectors
    /// remember how much of it they have reported.
    pub(super) count: AtomicU64,
}

pub(super) type Slots = [Slot; SLOTS];

/// Everything of a thread's that the fast path and the measurement touch.
pub(crate) struct FastThread {
    pub(super) id: Cell<u64>,
    pub(super) countdown: Cell<u32>,
    /// Exclusive acquisitions of locks in a storm this thread lets go by before it samples one
    /// for its blame (see `storm_sample_due`).
    pub(super) storm_countdown: Cell<u32>,
    /// The mean of the interval `storm_countdown` was drawn from: the weight of the sample that
    /// ends it (0: none drawn yet).
    pub(super) storm_interval: Cell<u32>,
    /// How this thread's current timed exclusive hold began, for its release (lock 0: none).
    pub(super) hold_start: Cell<HoldStart>,
    /// Of this thread's current wait, the part before it registered in the lock's integral, for
    /// the wait's record.
    pub(super) passed_over_ns: Cell<u64>,
    /// The start of the current wait while the lock's integral does not see it (0: it does, or
    /// no wait), and its registration once it outlasts busy spinning (see
    /// `WaitIntegral::defer_wait`).
    pub(super) deferred_wait: Cell<(u64, Option<WaitTicket>)>,
    /// xorshift state for randomising the sampling interval (so periodic programs don't alias).
    pub(super) rng: Cell<u32>,
    /// Set while lockprof itself emits events or records on this thread: profiled locks taken by
    /// a subscriber then skip recording instead of recursing.
    pub(super) busy: Cell<bool>,
    /// Until when a release has nothing for the recorder to emit: no events pending and the next
    /// summary flush not due (0: ask the recorder). Kept here, where a check costs a few
    /// instructions, rather than in the recorder, whose access costs a lazy thread-local and a
    /// lock on every contended release.
    pub(super) quiet_until_ns: Cell<u64>,
    pub(super) slots: [Slot; SLOTS],
    /// The lock of each pending wait (0: free), scanned without copying the waits.
    pub(super) pending_locks: [Cell<usize>; PENDING_WAITS],
    pub(super) pending: [Cell<Wait>; PENDING_WAITS],
}

thread_local! {
    pub(super) static FAST: FastThread = const {
        FastThread {
            id: Cell::new(0),
            countdown: Cell::new(0),
            storm_countdown: Cell::new(0),
            storm_interval: Cell::new(0),
            hold_start: Cell::new(HoldStart::NONE),
            passed_over_ns: Cell::new(0),
            deferred_wait: Cell::new((0, None)),
            rng: Cell::new(0),
            busy: Cell::new(false),
            quiet_until_ns: Cell::new(0),
            slots: [const {
                Slot {
                    lock: AtomicU64::new(0),
                    site: AtomicUsize::new(0),
                    count: AtomicU64::new(0),
                }
            }; SLOTS],
            pending_locks: [const { Cell::new(0) }; PENDING_WAITS],
            pending: [const { Cell::new(Wait::NONE) }; PENDING_WAITS],
        }
    };
}
