//! The `tracing` calls. Every lockprof event is built here, with the field names of
//! [`crate::event`] (the `every_field_of_the_contract_is_emitted_and_nothing_else` test keeps the two in step).

use std::panic::Location;

use tracing::Level;

use crate::event::{HOLD, STACK_DEF, SUMMARY, TARGET, WAIT};
use crate::name::{LockName, Site};
use crate::stacks::StackId;
use crate::task::Task;
use crate::{LockKind, Mode};

/// Which lock, which thread, which site: the fields every event carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    pub(crate) lock: LockName,
    pub(crate) lock_id: u64,
    pub(crate) kind: LockKind,
    pub(crate) mode: Mode,
    pub(crate) thread: &'a str,
    pub(crate) thread_id: u64,
    pub(crate) site: &'static Location<'static>,
    /// The task, for an async lock's events (absent from the event when none).
    pub(crate) task: Task,
}

/// One contended acquisition.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitFields<'a> {
    pub(crate) holder: &'a str,
    pub(crate) holder_id: u64,
    pub(crate) wait_ns: u64,
    pub(crate) at_ns: u64,
    pub(crate) timed_out: bool,
    /// The waiter's native stack (0: none).
    pub(crate) stack: StackId,
    /// The holder's native stack at the hold this wait was for (0: not known).
    pub(crate) holder_stack: StackId,
}

/// One hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldFields {
    pub(crate) hold_ns: u64,
    /// The waiting during this hold: its own, exact.
    pub(crate) blame_ns: u64,
    /// A storm's sample stands for holds that were not measured: their estimated blame,
    /// `blame_ns` × (weight − 1), for the summary.
    pub(crate) blame_extra_ns: u64,
    /// Waiting passed over while measuring this hold, charged to no hold (see
    /// `recorder::summary::SiteStats::unattributed_ns`), for the summary.
    pub(crate) unattributed_ns: u64,
    pub(crate) waiters: u32,
    pub(crate) at_ns: u64,
    pub(crate) weight: u64,
    pub(crate) exact: bool,
    /// The hold was the sampled one (it stands for `weight` holds in the histogram).
    pub(crate) sampled: bool,
    /// The holder's native stack, captured after the unlock of a hold that made others wait
    /// (0: none).
    pub(crate) stack: StackId,
}

/// Counts and short-event histograms (already base64-encoded).
#[derive(Clone, Debug)]
pub(crate) struct SummaryFields {
    pub(crate) at_ns: u64,
    pub(crate) acquisitions: u64,
    pub(crate) contended: u64,
    pub(crate) timeouts: u64,
    pub(crate) waits: u64,
    pub(crate) wait_ns: u64,
    pub(crate) wait_hist: String,
    pub(crate) holds: u64,
    pub(crate) hold_ns: u64,
    pub(crate) hold_hist: String,
    pub(crate) blame_ns: u64,
    /// The part of `blame_ns` that is estimated (a storm's samples, weighted).
    pub(crate) blame_estimated_ns: u64,
    /// Waiting on the lock that this thread passed over without charging it to a hold:
    /// hand-offs between holds, and in storms of short holds the waiting during unmeasured holds
    /// (see `event::UNATTRIBUTED_NS`).
    pub(crate) unattributed_ns: u64,
    /// The stack of one of the summary's waits, drawn in proportion to their lengths (0: none).
    pub(crate) wait_stack: StackId,
    /// The stack of one of the summary's holds with blame, drawn in proportion to it (0: none).
    pub(crate) blame_stack: StackId,
}

/// Whether any subscriber wants lockprof events now: one relaxed load when the answer is the same
/// for every event (no subscriber, or one without per-event filtering), a `tracing` query only
/// when the subscribers' interest is "sometimes". The first call registers lockprof's interest
/// probe. Both run subscriber code, which may take locks, profiled ones too (a parking_lot lock
/// through compat/parking_lot): never call this while holding a profiled lock's critical section
/// open for the subscriber to need, or inside `parking_lot_core`'s callbacks; see [`wanted_cached`].
#[inline]
pub(crate) fn wanted() -> bool {
    interest::wanted()
}

/// [`wanted`] from what is already known, running no subscriber code: for the paths that hold
/// the lock they record, where a subscriber's `enabled` or `register_callsite` could take that
/// very lock (tracing-subscriber's `reload` layer takes its own `RwLock` in both) and deadlock.
/// Before the probe is registered, and for per-event interest, it answers as the last query did
/// (`true` before any): at worst a hold is timed that no subscriber wants.
#[inline]
pub(crate) fn wanted_cached() -> bool {
    interest::wanted_cached()
}

/// Whether this thread has a subscriber at all (its current dispatcher is not tracing's no-op
/// one). What a thread without one emits is dropped; worse, while the process has a single
/// dispatcher and it is a scoped one (`tracing::dispatcher::with_default`, as in tests),
/// tracing-core asks only the current thread's dispatcher when a callsite registers, so an event
/// first emitted here would be cached as wanted by nobody, for every thread. Such a thread makes
/// no events (its waits and holds go to its summary, so nothing piles up), emits nothing (a
/// thread that has a subscriber emits its summary: the periodic sweep, a flush) and does not
/// register lockprof's interest probe.
pub(crate) fn subscriber_here() -> bool {
    tracing_core::dispatcher::get_default(|d| !d.is::<tracing_core::subscriber::NoSubscriber>())
}

/// A callsite of lockprof's own whose only job is to hear `tracing`'s interest: tracing-core
/// updates it when it is registered and again whenever dispatchers come or go, so the answer is
/// cached instead of asked on every contended acquisition.
///
/// It is a `DefaultCallsite`, as `tracing`'s macros use, whose registration takes no lock of
/// tracing-core's (a callsite of another type is pushed under a mutex that tracing-core also
/// holds while it rebuilds interest, running subscriber code). One thread registers it; the
/// others do not wait for that one (they ask the subscribers meanwhile, as tracing does), so a
/// registration whose subscriber code takes a profiled lock, whose acquisition asks again, cannot
/// block on itself.
mod interest {
    use std::sync::atomic::AtomicBool;
    use std::sync::atomic::AtomicU8;
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

    use tracing_core::callsite::{DefaultCallsite, Identifier};
    use tracing_core::field::FieldSet;
    use tracing_core::metadata::Kind;
    use tracing_core::{Level, Metadata};

    use crate::event::TARGET;
    use crate::thread;

    static PROBE: DefaultCallsite = DefaultCallsite::new(&META);
    static META: Metadata<'static> = Metadata::new(
        "lockprof interest",
        TARGET,
        Level::TRACE,
        None,
        None,
        None,
        FieldSet::new(&[], Identifier(&PROBE)),
        Kind::EVENT,
    );

    const UNREGISTERED: u8 = 0;
    const REGISTERING: u8 = 1;
    const REGISTERED: u8 = 2;

    /// How far `PROBE`'s registration has got; once `REGISTERED`, reading its interest runs no
    /// subscriber code.
    static REGISTRATION: AtomicU8 = AtomicU8::new(UNREGISTERED);
    /// The last answer of a per-event query (interest "sometimes").
    static LAST: AtomicBool = AtomicBool::new(true);

    #[inline]
    pub(super) fn wanted() -> bool {
        if !tracing::level_enabled!(Level::TRACE) {
            return false;
        }
        // The subscriber's code may take profiled locks: this thread's acquisitions in there are
        // counted, not recorded, so they do not ask again (`acquire::recording`).
        settled().unwrap_or_else(|| thread::while_busy(ask).unwrap_or_else(ask))
    }

    #[inline]
    pub(super) fn wanted_cached() -> bool {
        if !tracing::level_enabled!(Level::TRACE) {
            return false;
        }
        settled().unwrap_or_else(|| LAST.load(Relaxed))
    }

    /// The answer for every event (no subscriber wants them, or one takes them all), from the
    /// registered probe's cached interest; `None` when it is per event or not known yet.
    #[inline]
    fn settled() -> Option<bool> {
        if REGISTRATION.load(Acquire) != REGISTERED {
            return None;
        }
        let interest = PROBE.interest();
        if interest.is_always() {
            Some(true)
        } else if interest.is_never() {
            Some(false)
        } else {
            None
        }
    }

    /// Registers the probe if no thread has begun to, else asks the subscribers about this event.
    /// A thread without a subscriber wants nothing, and leaves the registration to one that has
    /// one (see [`subscriber_here`](super::subscriber_here)).
    fn ask() -> bool {
        if !super::subscriber_here() {
            return false;
        }
        if REGISTRATION
            .compare_exchange(UNREGISTERED, REGISTERING, Relaxed, Relaxed)
            .is_ok()
        {
            PROBE.register();
            REGISTRATION.store(REGISTERED, Release);
            if let Some(wanted) = settled() {
                return wanted;
            }
        }
        // Per event, or another thread is registering the probe: ask, as tracing does then.
        let wanted = tracing_core::dispatcher::get_default(|d| d.enabled(&META));
        LAST.store(wanted, Relaxed);
        wanted
    }
}

pub(crate) fn wait(s: &Subject<'_>, w: &WaitFields<'_>) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = WAIT,
        lock = %s.lock,
        lock_id = s.lock_id,
        lock_kind = s.kind.as_str(),
        mode = s.mode.as_str(),
        thread = s.thread,
        thread_id = s.thread_id,
        site = %Site(s.site),
        holder = w.holder,
        holder_id = w.holder_id,
        wait_ns = w.wait_ns,
        at_ns = w.at_ns,
        weight = 1u64,
        timed_out = w.timed_out,
        stack = u64::from(w.stack),
        holder_stack = u64::from(w.holder_stack),
        task = s.task.field(),
    );
}

pub(crate) fn hold(s: &Subject<'_>, h: &HoldFields) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = HOLD,
        lock = %s.lock,
        lock_id = s.lock_id,
        lock_kind = s.kind.as_str(),
        mode = s.mode.as_str(),
        thread = s.thread,
        thread_id = s.thread_id,
        site = %Site(s.site),
        hold_ns = h.hold_ns,
        blame_ns = h.blame_ns,
        waiters = h.waiters,
        at_ns = h.at_ns,
        weight = h.weight,
        hold_exact = h.exact,
        stack = u64::from(h.stack),
        task = s.task.field(),
    );
}

pub(crate) fn summary(s: &Subject<'_>, f: &SummaryFields) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = SUMMARY,
        lock = %s.lock,
        lock_id = s.lock_id,
        lock_kind = s.kind.as_str(),
        mode = s.mode.as_str(),
        thread = s.thread,
        thread_id = s.thread_id,
        site = %Site(s.site),
        at_ns = f.at_ns,
        weight = 1u64,
        acquisitions = f.acquisitions,
        contended = f.contended,
        timeouts = f.timeouts,
        waits = f.waits,
        wait_ns = f.wait_ns,
        wait_hist = f.wait_hist.as_str(),
        holds = f.holds,
        hold_ns = f.hold_ns,
        hold_hist = f.hold_hist.as_str(),
        blame_ns = f.blame_ns,
        blame_estimated_ns = f.blame_estimated_ns,
        unattributed_ns = f.unattributed_ns,
        wait_stack = u64::from(f.wait_stack),
        blame_stack = u64::from(f.blame_stack),
        task = s.task.field(),
    );
}

/// Defines stack `id` for subscribers that cannot look it up in the process (see
/// `stacks::define_for_subscriber`): its symbolized frames, one per line, root first.
pub(crate) fn stack(
    id: StackId,
    thread: &str,
    thread_id: u64,
    frames: &str,
    truncated: bool,
    unresolved: bool,
) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = STACK_DEF,
        stack = u64::from(id),
        thread = thread,
        thread_id = thread_id,
        frames = frames,
        truncated = truncated,
        unresolved = unresolved,
    );
}
