//! What a condition variable's waits and notifies share about the threads waiting on it: the
//! mutex they use (parking_lot's `state`, for its two-mutex check and its notifies), which of
//! them have their re-lock recorded, and the recorded waits of those moved onto the mutex.

use std::ptr;
use std::sync::atomic::AtomicPtr;

use super::parked::Parked;
use crate::raw_mutex::RawProfiledMutex as RawMutex;
use crate::requeued::RequeuedWaits;

/// The waiting threads of one condition variable (see the module docs).
#[derive(Debug)]
pub(super) struct Waiters {
    /// The mutex the waiting threads use, null when none waits.
    pub(super) mutex: AtomicPtr<RawMutex>,
    /// Which of them have their re-lock recorded.
    pub(super) parked: Parked,
    /// The recorded waits of threads moved onto the mutex's queue that have not ended yet.
    pub(super) requeued: RequeuedWaits,
}

impl Waiters {
    pub(super) const fn new() -> Waiters {
        Waiters {
            mutex: AtomicPtr::new(ptr::null_mut()),
            parked: Parked::new(),
            requeued: RequeuedWaits::new(),
        }
    }

    /// The key the threads park on in `parking_lot_core`: this address, the condition
    /// variable's own.
    pub(super) fn key(&self) -> usize {
        ptr::from_ref(self).addr()
    }
}
