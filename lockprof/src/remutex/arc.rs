//! Locking a reentrant mutex through an `Arc` (feature `arc_lock`): lock_api's `lock_arc` and
//! its `try_` forms, and `ArcReentrantMutexGuard`'s methods.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::panic::Location;
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::lock::{ArcReentrantMutexGuard, ProfiledReentrantMutex};
use crate::raw::{RawMutex, RawThreadId};
use crate::relock::Relock;

/// The `Arc` guard's type, with parking_lot's parameters.
type ArcGuard<T> = ArcReentrantMutexGuard<RawMutex, RawThreadId, T>;

impl<T: ?Sized> ProfiledReentrantMutex<T> {
    /// Makes an `Arc` guard for an acquisition the current thread already holds.
    ///
    /// # Safety
    ///
    /// As [`make_guard_unchecked`](Self::make_guard_unchecked).
    #[inline]
    pub unsafe fn make_arc_guard_unchecked(self: &Arc<Self>) -> ArcGuard<T> {
        ArcReentrantMutexGuard {
            remutex: Arc::clone(self),
            marker: PhantomData,
        }
    }

    /// Acquires the mutex through an `Arc`, as [`lock`](Self::lock): the guard holds a clone of
    /// the `Arc` instead of borrowing the lock.
    #[inline]
    #[track_caller]
    pub fn lock_arc(self: &Arc<Self>) -> ArcGuard<T> {
        self.raw.lock();
        // SAFETY: this thread holds the lock, for this new acquisition.
        unsafe { self.make_arc_guard_unchecked() }
    }

    /// Acquires the mutex through an `Arc` if it is free now or this thread holds it.
    #[inline]
    #[track_caller]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcGuard<T>> {
        // SAFETY: as in `lock_arc`, when it succeeded.
        self.raw
            .try_lock()
            .then(|| unsafe { self.make_arc_guard_unchecked() })
    }

    /// Acquires the mutex through an `Arc`, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_for(self: &Arc<Self>, timeout: Duration) -> Option<ArcGuard<T>> {
        // SAFETY: as in `lock_arc`, when it succeeded.
        self.raw
            .try_lock_for(timeout)
            .then(|| unsafe { self.make_arc_guard_unchecked() })
    }

    /// Acquires the mutex through an `Arc`, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_until(self: &Arc<Self>, deadline: Instant) -> Option<ArcGuard<T>> {
        // SAFETY: as in `lock_arc`, when it succeeded.
        self.raw
            .try_lock_until(deadline)
            .then(|| unsafe { self.make_arc_guard_unchecked() })
    }
}

impl<R, G, T: ?Sized> ArcReentrantMutexGuard<R, G, T> {
    /// The `Arc` of the mutex this guard holds.
    #[inline]
    pub fn remutex(s: &Self) -> &Arc<ProfiledReentrantMutex<T>> {
        &s.remutex
    }

    /// Releases this guard's acquisition and returns the `Arc` it held.
    #[inline]
    pub fn into_arc(s: Self) -> Arc<ProfiledReentrantMutex<T>> {
        let s = ManuallyDrop::new(s);
        // SAFETY: `s` is never dropped, so the `Arc` is moved out once.
        let remutex = unsafe { ptr::read(&s.remutex) };
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { remutex.raw.unlock() };
        remutex
    }

    /// Releases this guard's acquisition while `f` runs, then takes it again at the caller's
    /// site, as `ReentrantMutexGuard::unlocked`.
    #[inline]
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let raw = &s.remutex.raw;
        let site = Location::caller();
        let _relock = Relock::new(|| raw.lock_at(site));
        // SAFETY: this thread holds the acquisition the guard stands for.
        unsafe { raw.unlock() };
        f()
    }

    /// Releases this guard's acquisition, fairly if it is the last.
    #[inline]
    pub fn unlock_fair(s: Self) {
        drop(Self::into_arc_fair(s));
    }

    /// As [`into_arc`](Self::into_arc), releasing fairly.
    #[inline]
    pub fn into_arc_fair(s: Self) -> Arc<ProfiledReentrantMutex<T>> {
        let s = ManuallyDrop::new(s);
        // SAFETY: as in `into_arc`.
        let remutex = unsafe { ptr::read(&s.remutex) };
        // SAFETY: as in `into_arc`.
        unsafe { remutex.raw.unlock_fair() };
        remutex
    }

    /// As [`unlocked`](Self::unlocked), releasing fairly.
    #[inline]
    #[track_caller]
    pub fn unlocked_fair<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let raw = &s.remutex.raw;
        let site = Location::caller();
        let _relock = Relock::new(|| raw.lock_at(site));
        // SAFETY: as in `unlocked`.
        unsafe { raw.unlock_fair() };
        f()
    }

    /// Lets a waiting thread have the mutex, if there is one and this thread holds it only
    /// once, and takes it back.
    #[inline]
    pub fn bump(s: &mut Self) {
        // SAFETY: this thread holds the mutex.
        unsafe { s.remutex.raw.bump() };
    }
}

impl<R, G, T: ?Sized> Deref for ArcReentrantMutexGuard<R, G, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, which gives shared access to the data.
        unsafe { &*self.remutex.data.get() }
    }
}

impl<R, G, T: ?Sized> Drop for ArcReentrantMutexGuard<R, G, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { self.remutex.raw.unlock() };
    }
}

/// The data's, as the other guards'.
impl<R, G, T: ?Sized + std::fmt::Debug> std::fmt::Debug for ArcReentrantMutexGuard<R, G, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}
