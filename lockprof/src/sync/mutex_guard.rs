//! `MutexGuard`: std's guard over a profiled lock's guard, poisoning the mutex on panic.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::LockResult;

use lock_api::GuardNoSend;

use super::poison::{self, Flag, Panicking, Poisonable};

/// The guard of a profiled mutex over a `Poisonable` value.
pub(super) type InnerGuard<'a, T> = crate::MutexGuard<'a, Poisonable<T>>;

/// An RAII guard of a [`Mutex`](super::Mutex): the mutex is unlocked when it is dropped, and the
/// data is reached through its [`Deref`] and [`DerefMut`] implementations. Returned by
/// [`Mutex::lock`](super::Mutex::lock) and [`Mutex::try_lock`](super::Mutex::try_lock).
///
/// As std's: it is not `Send`; it is `Sync` when `T` is; if the thread panics while holding it
/// (and was not already panicking when it took the lock), dropping it poisons the mutex. Its
/// release is where lockprof measures the hold and emits what the hold and any wait for it
/// recorded.
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    /// Unlocks (and records the release) when dropped, after `Drop::drop` has poisoned.
    inner: InnerGuard<'a, T>,
    panicking: Panicking,
    /// Not `Send`, as std's guard, even when lockprof's own guards are (feature `send_guard`).
    not_send: PhantomData<GuardNoSend>,
}

// As std's guard: `&MutexGuard` only lends `&T`. The profiled guard inside would ask `T: Send`
// too, for its reference to the mutex.
// SAFETY: the guard gives shared access to nothing but `&T` (and the poison flag, an atomic).
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

// As std's: poisoning is what makes observing a lock after a panic safe.
impl<T: ?Sized> UnwindSafe for MutexGuard<'_, T> {}
impl<T: ?Sized> RefUnwindSafe for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Wraps a profiled guard just acquired by a thread that was `panicking` or not when it
    /// asked for it; `Err` if the mutex is poisoned.
    #[inline]
    pub(super) fn new(
        inner: InnerGuard<'a, T>,
        panicking: Panicking,
    ) -> LockResult<MutexGuard<'a, T>> {
        let guard = MutexGuard {
            inner,
            panicking,
            not_send: PhantomData,
        };
        let poisoned = guard.flag().get();
        poison::result(poisoned, guard)
    }

    /// The profiled guard, for a condition variable to wait with.
    pub(super) fn inner_mut(&mut self) -> &mut InnerGuard<'a, T> {
        &mut self.inner
    }

    /// Whether the mutex is poisoned now (a condition variable asks once it has re-locked).
    pub(super) fn is_poisoned(&self) -> bool {
        self.flag().get()
    }

    #[inline]
    fn data(&self) -> *mut Poisonable<T> {
        lock_api::MutexGuard::mutex(&self.inner).data_ptr()
    }

    #[inline]
    fn flag(&self) -> &Flag {
        // SAFETY: the mutex outlives its guard.
        unsafe { Poisonable::flag(self.data()) }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex, so nothing else reaches the value meanwhile.
        unsafe { &*Poisonable::value(self.data()) }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the mutex, and `&mut self` makes this the only access.
        unsafe { &mut *Poisonable::value(self.data()) }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Poisoned while still held, as std does; `inner` unlocks right after.
        self.flag().done(self.panicking);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
