//! The contended path: timing a wait, registering it in the lock's waiting integral, and what
//! the lock's blocking loop and unlock tell as the wait goes on.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use super::fast::{acquired, recording, recording_cached};
use super::token::HoldToken;
use crate::integral::{WaitIntegral, WaitTicket};
use crate::meta::LockMeta;
use crate::thread::{self, SiteKey};
use crate::{Mode, clock, config, recorder};

/// What a raw lock's blocking loop is given: a clock to read when the wait ends...
pub(crate) type Clock = fn() -> u64;
/// ...and, while recording, [`waiting`], to call with the lock's bookkeeping as the wait goes on:
/// when it starts yielding its thread and before each park. Locks that cannot tell ignore it.
pub(crate) type Watch = Option<fn(&LockMeta)>;

/// When a contended acquisition captures the waiter's native stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaiterStack {
    /// After the hold that follows, if the wait was long ([`LONG_WAIT_NS`](crate::hold_mark::LONG_WAIT_NS), or the event
    /// threshold if lower): only waits long enough to be events take the capture's microseconds
    /// and its share of the budget (a guard is almost always dropped in the function that took
    /// it, so the stack is the same); the shorter ones, in summaries, draw one stack for all of
    /// them (`recorder::summary`). Its waits in a storm are registered in the lock's integral
    /// only when they grow long (`WaitIntegral::defer_wait`): the lock's blocking loop calls
    /// [`waiting`] when they do.
    WhenLong,
    /// Never (an upgrade: the thread holds the lock already, and nothing slow runs under it).
    Never,
}

/// The first attempt failed: time the wait, register it in the lock's waiting integral, block in
/// `block`, and note the wait for recording after the release. `block(clock, waiting)` returns
/// `None` if it gave up (timed locks may), else `clock`'s reading when the wait ended: the mutex
/// reads it before the load that finds the lock free, outside the critical section (see
/// `lock_word`).
/// Inside the critical section this costs one update of the integral and a few thread-local
/// stores.
#[cold]
#[inline(never)]
pub(crate) fn contended(
    meta: &LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    stack: WaiterStack,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    contended_capturing(meta, site, mode, stack, block)
}

/// [`contended`] for an upgrade: the thread already holds the lock (upgradable), so its stack is
/// not captured (nothing slow may run while a profiled lock is held).
#[cold]
#[inline(never)]
pub(crate) fn upgrade_contended(
    meta: &LockMeta,
    site: &'static Location<'static>,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    contended_capturing(meta, site, Mode::Exclusive, WaiterStack::Never, block)
}

#[inline(always)]
fn contended_capturing(
    meta: &LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    capture: WaiterStack,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    if !recording() {
        return block(|| 0, None).map(|_| acquired(meta, site, mode));
    }
    // The wait is counted from here, first thing, as the caller counts it from its call.
    let start = clock::now_ns();
    meta.note_waiter(start);
    let deferred = capture == WaiterStack::WhenLong && meta.storm_shift() != 0;
    let ticket = if deferred {
        thread::defer_wait(start);
        meta.integral.defer_wait(start)
    } else {
        let ticket = meta.integral.begin_wait_outside(start, clock::now_ns);
        if ticket.start() != start {
            // Preempted before it registered: what it waited until then is no hold's.
            thread::add_passed_over(ticket.start() - start);
        }
        ticket
    };
    wait_begun(meta, site, mode, start, ticket, block)
}

/// The rest of a contended acquisition, recording, once its wait has begun at `start` and entered
/// the integral as `ticket` (here or, for a thread a condition variable moved onto the lock, at
/// the move): block, end the wait, and begin the hold.
#[inline(always)]
pub(super) fn wait_begun(
    meta: &LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    start: u64,
    mut ticket: WaitTicket,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    let deferred = WaitIntegral::is_deferred(&ticket);
    // The hold this wait is for is marked outside a storm, where every release with waiters is
    // measured from the last measured release, if a storm's unmeasured releases have lost that
    // (it has just ended). In a storm, the lock's blocking loop marks it (see `waiting`).
    if meta.storm_shift() == 0 && !meta.has_checkpoint() {
        meta.hold_mark.mark(&meta.integral, clock::now_ns);
    }
    if thread::id_if_registered() == 0 {
        register_thread();
    }
    let key = SiteKey::new(site, mode);
    let holder = match meta.holder.load(Relaxed) {
        // This thread was the last to acquire and the lock has changed hands since without the
        // new holder having written its id yet (parking_lot hands the lock over directly):
        // the holder is unknown, not this thread.
        own if own == thread::id_if_registered() => 0,
        holder => holder,
    };
    let acquired_at = block(clock::now_ns, Some(waiting));
    if deferred && let Some(registered) = thread::take_late_registration() {
        ticket = registered;
    }
    // A wait that timed out ends now.
    let end = acquired_at.unwrap_or_else(clock::now_ns);
    let integral_at_end = meta.integral.end_wait(ticket, end);
    // A wait the integral never saw is no hold's blame.
    let never_seen = if WaitIntegral::is_deferred(&ticket) {
        end - start
    } else {
        0
    };
    let wait = thread::Wait {
        lock: meta.addr(),
        site: key,
        start,
        end,
        holder,
        unattributed_ns: thread::take_passed_over() + never_seen,
        // Captured after the hold if the wait was long (`release::record_waits`).
        stack: 0,
    };
    if acquired_at.is_none() {
        recorder::on_timeout(meta, &wait);
        return None;
    }
    // Inside the critical section only what must happen at acquisition: the holder's id for the
    // next waiter, and the checkpoint below. Counting the acquisition waits for the release,
    // with the wait itself.
    meta.holder.store(thread::id_if_registered(), Relaxed);
    let shift = meta.storm_shift();
    if shift == 0 && end - start >= config::event_threshold_ns() {
        meta.make_hot();
    }
    if mode == Mode::Exclusive {
        // A storm samples contended acquisitions as it does the others (`acquired_recording`).
        let storm_weight = if shift != 0 {
            thread::storm_sample_due(shift)
        } else {
            0
        };
        // The hold notes W at its start, from the update that ended the wait or one load of a
        // line this thread has just written: the waiting so far was during earlier holds,
        // charged at their measured releases, or was the hand-off to this thread, or a storm's,
        // which no hold takes. So if this release is measured, as after any hold others waited
        // long for, its blame is its own from the start, however late its waiters get to run
        // on a loaded machine.
        thread::note_hold_start(thread::HoldStart {
            lock: meta.addr(),
            at: end,
            storm_weight,
            integral: integral_at_end.unwrap_or_else(|| meta.integral.integral_at(end)),
        });
    }
    // With `send_guard`, the guard may be released on another thread, which could not find a
    // note kept in this thread's locals: the wait goes to the recorder now, where a flush finds
    // it whatever becomes of the guard (at the cost of that bookkeeping inside the critical
    // section, and of the stack a long wait captures after its hold).
    if cfg!(feature = "send_guard") || !thread::note_wait(&wait) {
        recorder::on_contended_holding(meta, &wait);
    }
    let mut token = HoldToken::timed(site, end, 0);
    token.set_deferred();
    Some(token)
}

/// Registers the calling thread, new to lockprof, with its fast state and its recorder (the first
/// lock operation of a thread may be a wait that fails, which never reaches the fast path's
/// registration, or the release of a guard another thread took, with `send_guard`).
#[cold]
#[inline(never)]
pub(super) fn register_thread() {
    if let Some(new) = thread::ensure_registered() {
        recorder::register_thread(new);
    }
}

/// The mutex's blocking loop calls this as its wait goes on. A wait the integral does not see yet
/// is registered when the waiter starts yielding its thread or parks: it may then run no code
/// for a while, and the hold it waits for would be charged nothing of it. In a storm, the first
/// waiter to start yielding or to park during a hold marks it, so that the release finds out
/// whether the hold made it wait long (a thread that yields or parks may run no code to say so)
/// and measures it from the mark (see [`release`](fn@super::release)).
fn waiting(meta: &LockMeta) {
    if let Some(start) = thread::take_deferred_start() {
        let ticket = meta
            .integral
            .begin_wait_outside(clock::now_ns(), clock::now_ns);
        // What it waited before is no hold's.
        thread::registered_late(ticket);
        thread::add_passed_over(ticket.start().saturating_sub(start));
    }
    if meta.storm_shift() != 0 {
        meta.hold_mark.mark(&meta.integral, clock::now_ns);
    }
}

/// The mutex's unlock calls this when it has woken a parked waiter: the waiter (and any still
/// parked) may wait through the next hold, if the waiter does not get to run and take the lock
/// first, as on a loaded machine; so in a storm that hold is marked for them (see [`waiting`]),
/// as a waiter parking during it would mark it.
#[cold]
pub(crate) fn woke_waiter(meta: &LockMeta) {
    if meta.storm_shift() != 0 && recording_cached() {
        meta.hold_mark.mark(&meta.integral, clock::now_ns);
    }
}
