//! `ArcMutexGuard`: the guard of a mutex locked through an `Arc` (feature `arc_lock`), for
//! [`Mutex`](crate::Mutex) and [`FairMutex`](crate::FairMutex).
//!
//! lock_api's own `ArcMutexGuard` holds an `Arc<lock_api::Mutex>`, which lockprof's mutexes are
//! not (they wrap one, aligned to 128 bytes), so this is lock_api's guard over lockprof's lock
//! types: the same methods, the same generic parameters (`ArcMutexGuard<RawMutex, T>`, as
//! parking_lot users name it), and the same raw calls, so the acquisitions are recorded as any
//! other of the lock.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::sync::Arc;

use crate::acquire::HoldToken;
use crate::arc_raw::ArcMutexRaw;
use crate::relock::{AbortOnUnwind, Relock};

/// A guard that holds a mutex locked through an `Arc` (`lock_arc`, `try_lock_arc`, …): it owns a
/// clone of the `Arc` instead of borrowing the lock, so it is `'static` when `T` is. lock_api's
/// `ArcMutexGuard`, as parking_lot re-exports it, for lockprof's mutexes.
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct ArcMutexGuard<R: ArcMutexRaw, T: ?Sized> {
    // The raw unlock consumes it in `drop`.
    token: ManuallyDrop<HoldToken>,
    mutex: Arc<R::Mutex<T>>,
    // Access to a `T`, for the auto traits, as lock_api's guard.
    data: PhantomData<T>,
}

impl<R: ArcMutexRaw, T: ?Sized> ArcMutexGuard<R, T> {
    /// # Safety
    ///
    /// `mutex` must be held with the acquisition state `token`, which no other guard stands for.
    pub(crate) unsafe fn new(mutex: Arc<R::Mutex<T>>, token: HoldToken) -> ArcMutexGuard<R, T> {
        ArcMutexGuard {
            token: ManuallyDrop::new(token),
            mutex,
            data: PhantomData,
        }
    }

    fn raw(mutex: &Arc<R::Mutex<T>>) -> &R {
        // SAFETY: the guard's raw operations each keep the guard valid: it holds the lock
        // whenever it is used or dropped.
        unsafe { R::raw_of(mutex) }
    }

    /// The `Arc` of the mutex this guard holds.
    #[inline]
    pub fn mutex(s: &Self) -> &Arc<R::Mutex<T>> {
        &s.mutex
    }

    /// Unlocks the mutex and returns the `Arc` the guard held.
    #[inline]
    pub fn into_arc(s: Self) -> Arc<R::Mutex<T>> {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped, so the `Arc` is moved out once.
        let mutex = unsafe { ptr::read(&s.mutex) };
        // SAFETY: as above, for the token.
        let token = unsafe { ManuallyDrop::take(&mut s.token) };
        // SAFETY: the token is this guard's acquisition of the mutex.
        unsafe { Self::raw(&mutex).unlock(token) };
        mutex
    }

    /// Unlocks the mutex while `f` runs, then locks it again (at the caller's site). Aborts if
    /// locking it again panics.
    #[inline]
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let raw = Self::raw(&s.mutex);
        // SAFETY: put back below, or by `relock` if anything unwinds, before the guard is used
        // or dropped again.
        let token = unsafe { ManuallyDrop::take(&mut s.token) };
        let relock = Relock::new(|| s.token = ManuallyDrop::new(raw.lock()));
        // SAFETY: the token is this guard's acquisition of the mutex.
        unsafe { raw.unlock(token) };
        let result = f();
        relock.disarm();
        let bomb = AbortOnUnwind;
        s.token = ManuallyDrop::new(raw.lock());
        bomb.disarm();
        result
    }

    /// Unlocks the mutex fairly: a thread waiting for it gets it next.
    #[inline]
    pub fn unlock_fair(s: Self) {
        drop(Self::into_arc_fair(s));
    }

    /// Unlocks the mutex fairly and returns the `Arc` the guard held.
    #[inline]
    pub fn into_arc_fair(s: Self) -> Arc<R::Mutex<T>> {
        let mut s = ManuallyDrop::new(s);
        // SAFETY: as in `into_arc`.
        let mutex = unsafe { ptr::read(&s.mutex) };
        // SAFETY: as in `into_arc`.
        let token = unsafe { ManuallyDrop::take(&mut s.token) };
        // SAFETY: as in `into_arc`.
        unsafe { Self::raw(&mutex).unlock_fair(token) };
        mutex
    }

    /// As [`unlocked`](Self::unlocked), unlocking fairly.
    #[inline]
    #[track_caller]
    pub fn unlocked_fair<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let raw = Self::raw(&s.mutex);
        // SAFETY: as in `unlocked`.
        let token = unsafe { ManuallyDrop::take(&mut s.token) };
        let relock = Relock::new(|| s.token = ManuallyDrop::new(raw.lock()));
        // SAFETY: as in `unlocked`.
        unsafe { raw.unlock_fair(token) };
        let result = f();
        relock.disarm();
        let bomb = AbortOnUnwind;
        s.token = ManuallyDrop::new(raw.lock());
        bomb.disarm();
        result
    }

    /// Lets a waiting thread have the mutex, if there is one, and takes it back: `unlock_fair`
    /// then `lock`, cheaper when nobody waits.
    #[inline]
    pub fn bump(s: &mut Self) {
        let raw = Self::raw(&s.mutex);
        // SAFETY: the token is this guard's acquisition; `bump` leaves it holding the lock
        // again, with the new state in the token.
        unsafe { raw.bump(&mut s.token) };
    }
}

impl<R: ArcMutexRaw, T: ?Sized> Deref for ArcMutexGuard<R, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*R::data_of(&*self.mutex) }
    }
}

impl<R: ArcMutexRaw, T: ?Sized> DerefMut for ArcMutexGuard<R, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the only access.
        unsafe { &mut *R::data_of(&*self.mutex) }
    }
}

impl<R: ArcMutexRaw, T: ?Sized> Drop for ArcMutexGuard<R, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the token is this guard's acquisition, taken once.
        let token = unsafe { ManuallyDrop::take(&mut self.token) };
        // SAFETY: as above.
        unsafe { Self::raw(&self.mutex).unlock(token) };
    }
}

/// The data's, as the other guards'.
impl<R: ArcMutexRaw, T: ?Sized + fmt::Debug> fmt::Debug for ArcMutexGuard<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The data's, as the other guards'.
impl<R: ArcMutexRaw, T: ?Sized + fmt::Display> fmt::Display for ArcMutexGuard<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
