//! What a thread notes during a wait or a hold for the release that ends it: how the hold
//! began, the wait's registration in the lock's integral, and the waits to record.

use super::state::{FAST, HoldStart, Wait};
use crate::integral::WaitTicket;

/// Notes how this thread's current hold began, for its release.
pub(crate) fn note_hold_start(start: HoldStart) {
    let _ = FAST.try_with(|t| t.hold_start.set(start));
}

/// How this thread's hold of `lock` that began at `at` (its token's start) began, if it noted
/// it; forgets it. (A thread that holds two such locks at once keeps the later: the earlier is
/// then released as an unsampled hold, which the estimate allows for, with no waiting passed
/// over.) A note of another hold of the lock is left alone: one whose guard was sent to and
/// released on another thread (feature `send_guard`) is no later hold's start.
pub(crate) fn take_hold_start(lock: usize, at: u64) -> Option<HoldStart> {
    FAST.try_with(|t| {
        let start = t.hold_start.get();
        (start.lock == lock && lock != 0 && start.at == at).then(|| {
            t.hold_start.set(HoldStart::NONE);
            start
        })
    })
    .ok()
    .flatten()
}

/// Notes that the current wait, begun at `start`, is not seen by the lock's integral yet.
pub(crate) fn defer_wait(start: u64) {
    let _ = FAST.try_with(|t| t.deferred_wait.set((start, None)));
}

/// The start of the current wait if the lock's integral does not see it yet; forgets it (the
/// caller registers it, and notes that with [`registered_late`]).
pub(crate) fn take_deferred_start() -> Option<u64> {
    FAST.try_with(|t| {
        let (start, late) = t.deferred_wait.get();
        (start != 0 && late.is_none()).then(|| {
            t.deferred_wait.set((0, None));
            start
        })
    })
    .ok()
    .flatten()
}

/// Notes the registration of the current wait, deferred until now.
pub(crate) fn registered_late(ticket: WaitTicket) {
    let _ = FAST.try_with(|t| t.deferred_wait.set((0, Some(ticket))));
}

/// The registration of the current wait if it was deferred and then registered; forgets the
/// deferral either way.
pub(crate) fn take_late_registration() -> Option<WaitTicket> {
    FAST.try_with(|t| t.deferred_wait.replace((0, None)).1)
        .ok()
        .flatten()
}

/// Adds to the waiting this thread passed over during its current wait.
pub(crate) fn add_passed_over(ns: u64) {
    let _ = FAST.try_with(|t| t.passed_over_ns.set(t.passed_over_ns.get() + ns));
}

/// The waiting this thread passed over during the wait that just ended; resets it.
pub(crate) fn take_passed_over() -> u64 {
    FAST.try_with(|t| t.passed_over_ns.replace(0)).unwrap_or(0)
}

/// Notes a contended acquisition until the lock's release; `false` when the thread already has
/// as many pending as it can keep (the caller records it directly then).
#[inline]
pub(crate) fn note_wait(wait: &Wait) -> bool {
    FAST.try_with(|t| {
        for (lock, cell) in t.pending_locks.iter().zip(&t.pending) {
            if lock.get() == 0 {
                lock.set(wait.lock);
                cell.set(*wait);
                return true;
            }
        }
        false
    })
    .unwrap_or(false)
}

/// Hands the waits noted for lock `lock` (an address from [`LockMeta::addr`](crate::meta::LockMeta::addr)) to `f`.
pub(crate) fn take_waits(lock: usize, mut f: impl FnMut(Wait)) {
    let _ = FAST.try_with(|t| {
        for (pending_lock, cell) in t.pending_locks.iter().zip(&t.pending) {
            if pending_lock.get() == lock {
                pending_lock.set(0);
                f(cell.get());
            }
        }
    });
}
