//! A condition variable for [`crate::Mutex`]: parking_lot's, whose notifies move the notified
//! threads onto the mutex's queue rather than wake threads that would block on the mutex at
//! once, with the mutex's side recorded. Waiting for a notification is not contention; waiting
//! for the mutex afterwards is, asleep in its queue or not.
//!
//! The files: [`wait`] (a wait, and the re-acquisition in whichever way the thread was woken),
//! [`notify`] (the notifies' slow paths), and what the two share: [`waiters`] (the waiting
//! threads' mutex and bookkeeping) and [`parked`] (which of them have their re-lock recorded,
//! for the notify that moves them). The moved waits' registration and
//! recording are `acquire::requeue`'s.

mod notify;
mod parked;
mod wait;
mod waiters;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use self::waiters::Waiters;
use crate::acquire::HoldToken;
// Under its public name (`lockprof::raw::RawMutex`), which the docs then show; not through
// `crate::raw`, which re-exports this file's `RawCondvar`.
use crate::raw_mutex::RawProfiledMutex as RawMutex;

/// A condition variable usable with [`crate::MutexGuard`]: parking_lot's `Condvar`, with the same
/// methods and guarantees. No spurious wake-ups: a wait returns early only when notified;
/// `notify_one` returns whether it notified a thread and `notify_all` how many (a thread moved
/// onto the mutex's queue counts as notified). One mutex at a time: waiting with another mutex
/// while threads wait with the first panics. `notify_all` wakes one thread and moves the others
/// onto the mutex's queue (all of them if the mutex is held), so they get the mutex one after
/// the other instead of all waking to fight for it.
///
/// Recording, a thread's wait for the mutex after its notification is a contended acquisition
/// like any other, blamed on the threads that held the mutex meanwhile; for a thread moved onto
/// the mutex's queue it begins at the move (docs/EVENTS.md).
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
    /// Its waiting threads; their key in `parking_lot_core` is this address.
    waiters: Waiters,
}

// SAFETY: `wait` releases the mutex only after the thread is in the park queue (before_sleep),
// so it is atomic with respect to notifications sent under the mutex; it re-locks before
// returning (or, moved onto the mutex's queue, acquires it there) and writes the new acquisition
// state into `guard`; its one panic (two mutexes) comes before anything is unlocked. It never
// returns without a notification or timeout (no spurious wake-ups), and the notify methods report
// the exact number of threads woken or moved, as parking_lot's.
unsafe impl lock_api::RawCondvar for RawCondvar {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawCondvar = RawCondvar {
        waiters: Waiters::new(),
    };

    type RawMutex = RawMutex;

    unsafe fn wait(&self, mutex: &RawMutex, guard: &mut HoldToken) {
        // SAFETY: forwarded from lock_api's contract: `mutex` is held with `guard`.
        unsafe { wait::wait_until(&self.waiters, mutex, guard, None) };
    }

    #[inline]
    fn notify_one(&self) -> bool {
        // Nothing to do if nobody waits.
        let mutex = self.waiters.mutex.load(Relaxed);
        if mutex.is_null() {
            return false;
        }
        notify::notify_one_slow(&self.waiters, mutex)
    }

    #[inline]
    fn notify_all(&self) -> usize {
        let mutex = self.waiters.mutex.load(Relaxed);
        if mutex.is_null() {
            return 0;
        }
        notify::notify_all_slow(&self.waiters, mutex)
    }
}

// SAFETY: as for `lock_api::RawCondvar`, with a deadline: returns `true` only when the wait timed
// out before any notify reached the thread.
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
        unsafe { wait::wait_until(&self.waiters, mutex, guard, Some(*deadline)) }
    }

    unsafe fn wait_for(&self, mutex: &RawMutex, guard: &mut HoldToken, timeout: &Duration) -> bool {
        let deadline = Instant::now().checked_add(*timeout);
        // SAFETY: forwarded from lock_api's contract.
        unsafe { wait::wait_until(&self.waiters, mutex, guard, deadline) }
    }
}
