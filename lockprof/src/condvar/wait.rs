//! A wait: parking_lot's, with the mutex released through the profiled mutex (measuring the hold
//! it ends) and re-acquired in the way the thread was woken: notified, it re-locks like any caller;
//! moved onto the mutex's queue by a notify and woken there by an unlock, it acquires (or was
//! handed) the lock with its wait counted from the move.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use parking_lot_core::{DEFAULT_PARK_TOKEN, ParkResult};

use super::notify::TOKEN_NOTIFIED;
use super::waiters::Waiters;
use crate::acquire::{self, HoldToken};
use crate::lock_word::TOKEN_HANDOFF;
use crate::raw_mutex::RawProfiledMutex as RawMutex;

/// Parks until notified or `deadline`, with `mutex` released meanwhile; returns whether the
/// deadline passed. Panics, with the mutex still held, if other threads wait with another
/// mutex.
///
/// # Safety
///
/// `mutex` must be held with acquisition state `*token`.
pub(super) unsafe fn wait_until(
    waiters: &Waiters,
    mutex: &RawMutex,
    token: &mut HoldToken,
    deadline: Option<Instant>,
) -> bool {
    let site = token.site();
    // Decided before parking (nothing between queueing and sleeping may park), from what is
    // known: the mutex is held, and asking tracing may run subscriber code that takes it.
    let record = acquire::recording_cached();
    // Whether this thread's re-lock is recorded if a notify moves it (see `Parked`).
    let recorded = Cell::new(record);
    let mut requeued = false;
    let mutex_ptr = ptr::from_ref(mutex).cast_mut();
    let token_ptr = ptr::from_mut(token);
    // Ownership stops being recorded before the thread is queued, as parking_lot's condvar
    // does: the mutex itself is unlocked inside the park, where the detector may not be called.
    mutex.deadlock_release();
    let validate = || {
        // One mutex at a time: checked with the queue locked, against notifies.
        let state = waiters.mutex.load(Relaxed);
        if state.is_null() {
            waiters.mutex.store(mutex_ptr, Relaxed);
        } else if state != mutex_ptr {
            return false;
        }
        recorded.set(waiters.parked.park(record));
        true
    };
    // Unlocking once this thread is queued makes unlock-and-wait atomic with respect to a
    // notifier that holds the mutex: no lost wake-ups.
    let before_sleep = || {
        // SAFETY: the caller holds `mutex` with `*token` (this function's contract); the
        // token is moved out here and a new acquisition's state written back below, and
        // nothing in between unwinds (parking_lot_core aborts on a panic in its callbacks,
        // and the re-lock does not panic).
        unsafe { mutex.unlock_for_wait(ptr::read(token_ptr), record) };
    };
    let timed_out = |key, was_last_thread| {
        // Moved onto the mutex's queue: notified, not timed out; it waits for the mutex now.
        requeued = key != waiters.key();
        if !requeued {
            waiters.parked.left(recorded.get());
            if was_last_thread {
                waiters.mutex.store(ptr::null_mut(), Relaxed);
            }
        }
    };
    // SAFETY: the key is this condition variable's own address; the callbacks do not park
    // or unwind.
    let result = unsafe {
        parking_lot_core::park(
            waiters.key(),
            validate,
            before_sleep,
            timed_out,
            DEFAULT_PARK_TOKEN,
            deadline,
        )
    };
    if result == ParkResult::Invalid {
        // Nothing was unlocked: the guard still holds the mutex, with its token.
        mutex.deadlock_acquire();
        panic!("attempted to use a condition variable with more than one mutex");
    }
    let notified = matches!(result, ParkResult::Unparked(TOKEN_NOTIFIED));
    let mut relocked = if notified || result == ParkResult::TimedOut && !requeued {
        mutex.lock_at(site)
    } else {
        // Woken by the mutex after a notify moved it there (or its deadline passed there).
        let handed_over = result == ParkResult::Unparked(TOKEN_HANDOFF);
        mutex.relock_requeued(site, &waiters.requeued, recorded.get(), handed_over)
    };
    // The events of the hold the wait ended go out at this hold's release.
    relocked.set_deferred();
    // SAFETY: the token was moved out in `before_sleep`; this writes the new acquisition's
    // state back.
    unsafe { ptr::write(token_ptr, relocked) };
    !(result.is_unparked() || requeued)
}
