//! A condition variable for [`crate::Mutex`]: waiting for a notification is not contention, the
//! re-acquisition after the wake-up is.
//!
//! Built directly on `parking_lot_core` rather than parking_lot's condvar: that one re-queues
//! woken threads onto the mutex inside its own code, where lockprof could not time the
//! re-acquisition. Here a woken thread re-locks through the profiled mutex like any other caller.

use std::time::{Duration, Instant};

use parking_lot_core::{DEFAULT_PARK_TOKEN, DEFAULT_UNPARK_TOKEN, ParkResult};

use crate::acquire::{self, HoldToken};
// Under its public name (`lockprof::raw::RawMutex`), which the docs then show; not through
// `crate::raw`, which re-exports this file's `RawCondvar`.
use crate::raw_mutex::RawProfiledMutex as RawMutex;

/// A condition variable usable with [`crate::MutexGuard`]: `wait`, `wait_for`, `wait_until`,
/// `wait_while`, `notify_one`, `notify_all`, as parking_lot's `Condvar`.
///
/// ```
/// use std::sync::Arc;
/// let pair = Arc::new((lockprof::Mutex::new(false), lockprof::Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// std::thread::spawn(move || {
///     *pair2.0.lock() = true;
///     pair2.1.notify_one();
/// });
/// let mut ready = pair.0.lock();
/// pair.1.wait_while(&mut ready, |ready| !*ready);
/// assert!(*ready);
/// ```
pub type Condvar = lock_api::Condvar<RawCondvar>;

/// The raw condition variable behind [`Condvar`].
#[derive(Debug)]
pub struct RawCondvar {
    /// Gives the condvar its own address to park on (a zero-sized type might share one).
    _key: u8,
}

impl RawCondvar {
    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Parks until notified or `deadline`, with `mutex` released meanwhile; returns whether the
    /// deadline passed.
    ///
    /// # Safety
    ///
    /// `mutex` must be held with acquisition state `*token`.
    unsafe fn wait_until_internal(
        &self,
        mutex: &RawMutex,
        token: &mut HoldToken,
        deadline: Option<Instant>,
    ) -> bool {
        let site = token.site();
        // Decided before parking: asking tracing may run subscriber code, and nothing between
        // queueing and sleeping may park.
        let record = acquire::recording();
        // SAFETY: `*token` is moved out here and a new acquisition's state written back below
        // before returning; nothing in between can unwind (parking_lot_core aborts on panic in
        // its callbacks, and the unlock and re-lock do not panic).
        let held = unsafe { std::ptr::read(token) };
        // SAFETY: the key is this condvar's own address; the callbacks do not park or unwind.
        let result = unsafe {
            parking_lot_core::park(
                self.key(),
                || true,
                // Unlocking after this thread is queued makes unlock-and-wait atomic with respect
                // to a notifier that holds the mutex: no lost wake-ups.
                // SAFETY: the caller holds `mutex` with `held` (this function's contract).
                || mutex.unlock_for_wait(held, record),
                |_, _| {},
                DEFAULT_PARK_TOKEN,
                deadline,
            )
        };
        let mut relocked = mutex.lock_at(site);
        relocked.set_deferred();
        // SAFETY: `token` was moved out above; this writes the new acquisition's state back.
        unsafe { std::ptr::write(token, relocked) };
        matches!(result, ParkResult::TimedOut)
    }
}

// SAFETY: `wait` releases the mutex only after the thread is in the park queue (before_sleep), so
// it is atomic with respect to notifications sent under the mutex; it re-locks before returning
// and writes the new acquisition state into `guard`. It never returns without a notification or
// timeout (no spurious wake-ups), and the notify methods report the exact number of threads
// unparked.
unsafe impl lock_api::RawCondvar for RawCondvar {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawCondvar = RawCondvar { _key: 0 };

    type RawMutex = RawMutex;

    unsafe fn wait(&self, mutex: &RawMutex, guard: &mut HoldToken) {
        // SAFETY: forwarded from lock_api's contract: `mutex` is held with `guard`.
        unsafe { self.wait_until_internal(mutex, guard, None) };
    }

    fn notify_one(&self) -> bool {
        // SAFETY: the key is this condvar's own address.
        let result = unsafe { parking_lot_core::unpark_one(self.key(), |_| DEFAULT_UNPARK_TOKEN) };
        result.unparked_threads != 0
    }

    fn notify_all(&self) -> usize {
        // SAFETY: the key is this condvar's own address.
        unsafe { parking_lot_core::unpark_all(self.key(), DEFAULT_UNPARK_TOKEN) }
    }
}

// SAFETY: as for `lock_api::RawCondvar`, with a deadline: returns `true` only when the park timed
// out.
unsafe impl lock_api::RawCondvarTimed for RawCondvar {
    fn checked_duration_to_instant(timeout: &Duration) -> Option<Instant> {
        Instant::now().checked_add(*timeout)
    }

    unsafe fn wait_until(
        &self,
        mutex: &RawMutex,
        guard: &mut HoldToken,
        deadline: &Instant,
    ) -> bool {
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.wait_until_internal(mutex, guard, Some(*deadline)) }
    }

    unsafe fn wait_for(&self, mutex: &RawMutex, guard: &mut HoldToken, timeout: &Duration) -> bool {
        let deadline = Instant::now().checked_add(*timeout);
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.wait_until_internal(mutex, guard, deadline) }
    }
}
