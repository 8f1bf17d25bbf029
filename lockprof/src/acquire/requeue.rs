//! Waits that a condition variable moved onto the mutex: a notify that finds the mutex held (or
//! wakes one waiter to take it) moves the other notified threads onto the mutex's queue instead
//! of waking them to block on it at once, as parking_lot's does. From that moment they wait for
//! the mutex, asleep, and that wait is contention like any other: it is registered in the
//! integral at the move, so the holds it spans are blamed for it, and it ends when the mutex
//! wakes the thread and the thread has the lock.

use std::panic::Location;

use super::contended::{Clock, WaiterStack, Watch, contended, wait_begun};
use super::fast::{acquired, recording};
use super::token::HoldToken;
use crate::integral::WaitIntegral;
use crate::meta::LockMeta;
use crate::requeued::RequeuedWaits;
use crate::{Mode, clock};

/// A condition variable has just moved `count` threads whose re-lock is recorded onto the
/// mutex's queue: registers their waits from now and notes them in `pending`, the condition
/// variable's, for the threads to take when they wake ([`requeued_wake`]). Marks the current
/// hold as a parked waiter would (see `contended::waiting`).
///
/// Runs inside `parking_lot_core`'s requeue, with the queues locked: atomics and clock readings
/// only. (The clock is warm: the threads' own releases for the wait read it.)
pub(crate) fn requeued(meta: &LockMeta, pending: &RequeuedWaits, count: usize) {
    let now = clock::now_ns();
    let count = (count as u64).min(pending.room());
    let registered = meta.integral.begin_waits(now, count);
    pending.add(now, registered);
    meta.note_waiter(now);
    // As a wait that begins does (`contended`): outside a storm, a hold that cannot be charged
    // from a checkpoint is marked; in a storm, the first waiter to park marks it.
    if meta.storm_shift() != 0 || !meta.has_checkpoint() {
        meta.hold_mark.mark(&meta.integral, clock::now_ns);
    }
}

/// The mutex has woken a thread that a condition variable had moved onto its queue: handed it
/// the lock, or woken it to compete for it, which `block` does. If the move registered its wait
/// (`registered`: its re-lock was to be recorded when it began waiting), the wait ends when it
/// has the lock and is recorded as a contended acquisition from the move; its start is the
/// move's time as `pending` tells it (exact unless notifies that moved threads at different
/// times overlap: see `requeued`'s module). Otherwise it is an ordinary acquisition from now.
pub(crate) fn requeued_wake(
    meta: &LockMeta,
    site: &'static Location<'static>,
    pending: &RequeuedWaits,
    registered: bool,
    handed_over: bool,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> HoldToken {
    // The wait registered for this thread, or if the waiter count was full, none.
    let begun = registered
        .then(|| {
            let woke = clock::now_ns();
            pending.take(woke)
        })
        .flatten();
    let token = match begun {
        Some(start) => {
            let ticket = WaitIntegral::requeued_ticket(start);
            if recording() {
                wait_begun(meta, site, Mode::Exclusive, start, ticket, block)
            } else {
                // Not recorded, but the integral's count of waiters must come down.
                block(clock::now_ns, None).map(|end| {
                    meta.integral.end_wait(ticket, end);
                    acquired(meta, site, Mode::Exclusive)
                })
            }
        }
        None if handed_over => Some(acquired(meta, site, Mode::Exclusive)),
        None => contended(meta, site, Mode::Exclusive, WaiterStack::WhenLong, block),
    };
    token.expect("a lock without a deadline always ends acquired")
}
