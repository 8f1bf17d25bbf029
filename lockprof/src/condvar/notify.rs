//! `notify_one` and `notify_all` past their fast path: parking_lot's, moving the notified threads
//! onto the mutex's queue instead of waking them to block on it at once (`unpark_requeue`), plus
//! the registration of the moved threads' waits (`RawProfiledMutex::requeued`).

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering::Relaxed};

use parking_lot_core::{RequeueOp, UnparkResult, UnparkToken};

use super::parked::Parked;
use crate::raw_mutex::RawProfiledMutex as RawMutex;
use crate::requeued::RequeuedWaits;

/// The token a notify wakes a thread with: it was notified, and re-locks the mutex itself. (A
/// thread moved onto the mutex's queue is woken later by the mutex's unlock, with the mutex's
/// own tokens.)
pub(super) const TOKEN_NOTIFIED: UnparkToken = UnparkToken(2);

/// One condition variable as a notify sees it.
pub(super) struct Notifier<'a> {
    /// The condition variable's address, the key its waiters park on.
    pub(super) key: usize,
    /// The mutex its waiters use, null when none waits.
    pub(super) state: &'a AtomicPtr<RawMutex>,
    pub(super) parked: &'a Parked,
    pub(super) requeued: &'a RequeuedWaits,
}

impl Notifier<'_> {
    /// Wakes the first waiter, or moves it onto `mutex`'s queue if the mutex is held; returns
    /// whether there was one.
    #[cold]
    pub(super) fn notify_one_slow(&self, mutex: *mut RawMutex) -> bool {
        let validate = || {
            // All the waiters with this mutex were woken and another began waiting with
            // another mutex: nothing to do.
            if self.state.load(Relaxed) != mutex {
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
                self.state.store(ptr::null_mut(), Relaxed);
            }
            self.parked.take_front(result.unparked_threads);
            // SAFETY: see `live` (the callback runs only if `validate` went on).
            self.moved(unsafe { live(mutex) }, result.requeued_threads);
            TOKEN_NOTIFIED
        };
        // SAFETY: both keys are addresses this condition variable and its mutex own; the
        // callbacks only touch atomics and read the clock.
        let result = unsafe {
            parking_lot_core::unpark_requeue(
                self.key,
                RawMutex::park_key_of(mutex),
                validate,
                callback,
            )
        };
        result.unparked_threads + result.requeued_threads != 0
    }

    /// Wakes the first waiter and moves the others onto `mutex`'s queue, or moves them all there
    /// if the mutex is held; returns how many there were.
    #[cold]
    pub(super) fn notify_all_slow(&self, mutex: *mut RawMutex) -> usize {
        let validate = || {
            if self.state.load(Relaxed) != mutex {
                return RequeueOp::Abort;
            }
            // Every waiter is woken or moved.
            self.state.store(ptr::null_mut(), Relaxed);
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
            self.parked.take_front(result.unparked_threads);
            self.moved(mutex, result.requeued_threads);
            TOKEN_NOTIFIED
        };
        // SAFETY: as in `notify_one_slow`.
        let result = unsafe {
            parking_lot_core::unpark_requeue(
                self.key,
                RawMutex::park_key_of(mutex),
                validate,
                callback,
            )
        };
        result.unparked_threads + result.requeued_threads
    }

    /// `count` threads from the front of the queue were moved onto `mutex`'s queue: the waits
    /// of those whose re-lock is recorded begin now.
    fn moved(&self, mutex: &RawMutex, count: usize) {
        let recorded = self.parked.take_front(count);
        if recorded != 0 {
            mutex.requeued(self.requeued, recorded);
        }
    }
}

/// The mutex the waiters use.
///
/// # Safety
///
/// Only with the condition variable's queue locked and `state` found to be `mutex`: then a
/// thread is asleep in `wait` with a guard of that mutex, which keeps it alive until the thread
/// is woken, and it can be woken only once the queue is unlocked.
unsafe fn live<'a>(mutex: *mut RawMutex) -> &'a RawMutex {
    // SAFETY: forwarded from this function's contract.
    unsafe { &*mutex }
}
