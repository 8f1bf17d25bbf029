//! `notify_one` and `notify_all` past their fast path: parking_lot's, moving the notified threads
//! onto the mutex's queue instead of waking them to block on it at once (`unpark_requeue`), plus
//! the registration of the moved threads' waits (`RawProfiledMutex::requeued`).

use std::ptr;
use std::sync::atomic::Ordering::Relaxed;

use parking_lot_core::{RequeueOp, UnparkResult, UnparkToken};

use super::waiters::Waiters;
use crate::raw_mutex::RawProfiledMutex as RawMutex;

/// The token a notify wakes a thread with: it was notified, and re-locks the mutex itself. (A
/// thread moved onto the mutex's queue is woken later by the mutex's unlock, with the mutex's
/// own tokens.)
pub(super) const TOKEN_NOTIFIED: UnparkToken = UnparkToken(2);

/// Wakes the first waiter, or moves it onto `mutex`'s queue if the mutex is held; returns
/// whether there was one.
#[cold]
pub(super) fn notify_one_slow(waiters: &Waiters, mutex: *mut RawMutex) -> bool {
    let validate = || {
        // All the waiters with this mutex were woken and another began waiting with
        // another mutex: nothing to do.
        if waiters.mutex.load(Relaxed) != mutex {
            return RequeueOp::Abort;
        }
        // A held mutex gets the waiter in its queue, for its unlock to wake (safe: unlocking
        // with the parked bit set locks the mutex's queue, which is locked now).
        // SAFETY: see `live`.
        if unsafe { live(mutex) }.mark_parked_if_locked() {
            RequeueOp::RequeueOne
        } else {
            RequeueOp::UnparkOne
        }
    };
    let callback = |_op, result: UnparkResult| {
        if !result.have_more_threads {
            waiters.mutex.store(ptr::null_mut(), Relaxed);
        }
        waiters.parked.take_front(result.unparked_threads);
        // SAFETY: see `live` (the callback runs only if `validate` went on).
        moved(waiters, unsafe { live(mutex) }, result.requeued_threads);
        TOKEN_NOTIFIED
    };
    let result = requeue(waiters, mutex, validate, callback);
    result.unparked_threads + result.requeued_threads != 0
}

/// Wakes the first waiter and moves the others onto `mutex`'s queue, or moves them all there
/// if the mutex is held; returns how many there were.
#[cold]
pub(super) fn notify_all_slow(waiters: &Waiters, mutex: *mut RawMutex) -> usize {
    let validate = || {
        if waiters.mutex.load(Relaxed) != mutex {
            return RequeueOp::Abort;
        }
        // Every waiter is woken or moved.
        waiters.mutex.store(ptr::null_mut(), Relaxed);
        // SAFETY: see `live`.
        if unsafe { live(mutex) }.mark_parked_if_locked() {
            RequeueOp::RequeueAll
        } else {
            RequeueOp::UnparkOneRequeueRest
        }
    };
    let callback = |op, result: UnparkResult| {
        // SAFETY: see `live` (the callback runs only if `validate` went on).
        let mutex = unsafe { live(mutex) };
        // The mutex is free and one waiter woken to take it: the others wait for its unlock
        // (a held mutex had its bit set in `validate`).
        if op == RequeueOp::UnparkOneRequeueRest && result.requeued_threads != 0 {
            mutex.mark_parked();
        }
        waiters.parked.take_front(result.unparked_threads);
        moved(waiters, mutex, result.requeued_threads);
        TOKEN_NOTIFIED
    };
    let result = requeue(waiters, mutex, validate, callback);
    result.unparked_threads + result.requeued_threads
}

/// `count` threads from the front of the queue were moved onto `mutex`'s queue: the waits
/// of those whose re-lock is recorded begin now.
fn moved(waiters: &Waiters, mutex: &RawMutex, count: usize) {
    let recorded = waiters.parked.take_front(count);
    if recorded != 0 {
        mutex.requeued(&waiters.requeued, recorded);
    }
}

/// `parking_lot_core::unpark_requeue` from the condition variable's queue to `mutex`'s.
fn requeue(
    waiters: &Waiters,
    mutex: *mut RawMutex,
    validate: impl FnOnce() -> RequeueOp,
    callback: impl FnOnce(RequeueOp, UnparkResult) -> UnparkToken,
) -> UnparkResult {
    // SAFETY: both keys are addresses the condition variable and its mutex own; the callbacks
    // only touch atomics and read the clock.
    unsafe {
        parking_lot_core::unpark_requeue(
            waiters.key(),
            RawMutex::park_key_of(mutex),
            validate,
            callback,
        )
    }
}

/// The mutex the waiters use.
///
/// # Safety
///
/// Only with the condition variable's queue locked and `Waiters::mutex` found to be `mutex`: then a
/// thread is asleep in `wait` with a guard of that mutex, which keeps it alive until the thread
/// is woken, and it can be woken only once the queue is unlocked.
unsafe fn live<'a>(mutex: *mut RawMutex) -> &'a RawMutex {
    // SAFETY: forwarded from this function's contract.
    unsafe { &*mutex }
}
