//! A condition variable for [`crate::Mutex`]: parking_lot's, whose notifies move the notified
//! threads onto the mutex's queue rather than wake threads that would block on the mutex at
//! once, with the mutex's side recorded. Waiting for a notification is not contention; waiting
//! for the mutex afterwards is, asleep in its queue or not.
//!
//! The files: [`wait`] (a wait, and the re-acquisition in whichever way the thread was woken),
//! [`notify`] (the notifies' slow paths) and [`parked`] (which sleeping threads have their
//! re-lock recorded, for the notify that moves them). The moved waits' registration and
//! recording are `acquire::requeue`'s.

mod notify;
mod parked;
mod wait;

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering::Relaxed};
use std::time::{Duration, Instant};

use self::notify::Notifier;
use self::parked::Parked;
use self::wait::Waiter;
use crate::acquire::HoldToken;
// Under its public name (`lockprof::raw::RawMutex`), which the docs then show; not through
// `crate::raw`, which re-exports this file's `RawCondvar`.
use crate::raw_mutex::RawProfiledMutex as RawMutex;
use crate::requeued::RequeuedWaits;

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
    /// The mutex the waiting threads use, null when none waits (parking_lot's `state`).
    state: AtomicPtr<RawMutex>,
    /// Which waiting threads have their re-lock recorded.
    parked: Parked,
    /// The recorded waits of threads moved onto the mutex's queue that have not ended yet.
    requeued: RequeuedWaits,
}

impl RawCondvar {
    fn key(&self) -> usize {
        ptr::from_ref(self).addr()
    }

    fn notifier(&self) -> Notifier<'_> {
        Notifier {
            key: self.key(),
            state: &self.state,
            parked: &self.parked,
            requeued: &self.requeued,
        }
    }

    fn waiter(&self) -> Waiter<'_> {
        Waiter {
            key: self.key(),
            state: &self.state,
            parked: &self.parked,
            requeued: &self.requeued,
        }
    }
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
        state: AtomicPtr::new(ptr::null_mut()),
        parked: Parked::new(),
        requeued: RequeuedWaits::new(),
    };

    type RawMutex = RawMutex;

    unsafe fn wait(&self, mutex: &RawMutex, guard: &mut HoldToken) {
        // SAFETY: forwarded from lock_api's contract: `mutex` is held with `guard`.
        unsafe { self.waiter().wait_until(mutex, guard, None) };
    }

    #[inline]
    fn notify_one(&self) -> bool {
        // Nothing to do if nobody waits.
        let mutex = self.state.load(Relaxed);
        if mutex.is_null() {
            return false;
        }
        self.notifier().notify_one_slow(mutex)
    }

    #[inline]
    fn notify_all(&self) -> usize {
        let mutex = self.state.load(Relaxed);
        if mutex.is_null() {
            return 0;
        }
        self.notifier().notify_all_slow(mutex)
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
        unsafe { self.waiter().wait_until(mutex, guard, Some(*deadline)) }
    }

    unsafe fn wait_for(&self, mutex: &RawMutex, guard: &mut HoldToken, timeout: &Duration) -> bool {
        let deadline = Instant::now().checked_add(*timeout);
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.waiter().wait_until(mutex, guard, deadline) }
    }
}
