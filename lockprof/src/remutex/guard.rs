//! The methods of the reentrant mutex's guards: lock_api's, over the reentrant raw mutex. A
//! guard stands for one acquisition; releasing it releases that one, and the mutex only with the
//! last.

use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::ops::Deref;
use std::panic::Location;
use std::ptr::NonNull;

use super::lock::{MappedReentrantMutexGuard, ProfiledReentrantMutex, ReentrantMutexGuard};
use crate::relock::Relock;

impl<'a, T: ?Sized + 'a> ReentrantMutexGuard<'a, T> {
    /// The mutex this guard holds.
    #[inline]
    pub fn remutex(s: &Self) -> &'a ProfiledReentrantMutex<T> {
        s.remutex
    }

    /// Makes a guard for part of the data (one that cannot be unlocked for a while).
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let raw = &s.remutex.raw;
        // SAFETY: the guard holds the lock, which gives shared access to the data.
        let data = NonNull::from(f(unsafe { &*s.remutex.data.get() }));
        // The acquisition goes to the new guard.
        mem::forget(s);
        MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        }
    }

    /// As [`map`](Self::map), or the guard back if `f` returns `None`.
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedReentrantMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // SAFETY: as in `map`.
        let Some(data) = f(unsafe { &*s.remutex.data.get() }) else {
            return Err(s);
        };
        let data = NonNull::from(data);
        let raw = &s.remutex.raw;
        mem::forget(s);
        Ok(MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        })
    }

    /// As [`map`](Self::map), or the guard back with `f`'s error.
    #[inline]
    pub fn try_map_or_err<U: ?Sized, F, E>(
        s: Self,
        f: F,
    ) -> Result<MappedReentrantMutexGuard<'a, U>, (Self, E)>
    where
        F: FnOnce(&T) -> Result<&U, E>,
    {
        // SAFETY: as in `map`.
        let data = match f(unsafe { &*s.remutex.data.get() }) {
            Ok(data) => NonNull::from(data),
            Err(e) => return Err((s, e)),
        };
        let raw = &s.remutex.raw;
        mem::forget(s);
        Ok(MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        })
    }

    /// Releases this guard's acquisition while `f` runs (the mutex stays locked if the thread
    /// holds it more than once), then takes it again at the caller's site. Aborts if that
    /// panics.
    #[inline]
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        let raw = &s.remutex.raw;
        let site = Location::caller();
        // On return or unwind: the guard must hold its acquisition again.
        let _relock = Relock::new(|| raw.lock_at(site));
        // SAFETY: this thread holds the acquisition the guard stands for.
        unsafe { raw.unlock() };
        f()
    }

    /// Releases this guard's acquisition, fairly if it is the last.
    #[inline]
    pub fn unlock_fair(s: Self) {
        let s = mem::ManuallyDrop::new(s);
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { s.remutex.raw.unlock_fair() };
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

impl<T: ?Sized> Deref for ReentrantMutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, which gives shared access to the data.
        unsafe { &*self.remutex.data.get() }
    }
}

impl<T: ?Sized> Drop for ReentrantMutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { self.remutex.raw.unlock() };
    }
}

/// The data's, as lock_api's.
impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The data's, as lock_api's.
impl<T: ?Sized + fmt::Display> fmt::Display for ReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<'a, T: ?Sized + 'a> MappedReentrantMutexGuard<'a, T> {
    /// Makes a guard for part of this part of the data.
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let raw = s.raw;
        // SAFETY: the guard holds the lock, which gives shared access to the data.
        let data = NonNull::from(f(unsafe { s.data.as_ref() }));
        mem::forget(s);
        MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        }
    }

    /// As [`map`](Self::map), or the guard back if `f` returns `None`.
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedReentrantMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // SAFETY: as in `map`.
        let Some(data) = f(unsafe { s.data.as_ref() }) else {
            return Err(s);
        };
        let data = NonNull::from(data);
        let raw = s.raw;
        mem::forget(s);
        Ok(MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        })
    }

    /// As [`map`](Self::map), or the guard back with `f`'s error.
    #[inline]
    pub fn try_map_or_err<U: ?Sized, F, E>(
        s: Self,
        f: F,
    ) -> Result<MappedReentrantMutexGuard<'a, U>, (Self, E)>
    where
        F: FnOnce(&T) -> Result<&U, E>,
    {
        // SAFETY: as in `map`.
        let data = match f(unsafe { s.data.as_ref() }) {
            Ok(data) => NonNull::from(data),
            Err(e) => return Err((s, e)),
        };
        let raw = s.raw;
        mem::forget(s);
        Ok(MappedReentrantMutexGuard {
            raw,
            data,
            marker: PhantomData,
        })
    }

    /// Releases this guard's acquisition, fairly if it is the last.
    #[inline]
    pub fn unlock_fair(s: Self) {
        let s = mem::ManuallyDrop::new(s);
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { s.raw.unlock_fair() };
    }
}

impl<T: ?Sized> Deref for MappedReentrantMutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, which gives shared access to the data.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> Drop for MappedReentrantMutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread holds the acquisition the guard stands for, released once.
        unsafe { self.raw.unlock() };
    }
}

/// The data's, as lock_api's.
impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The data's, as lock_api's.
impl<T: ?Sized + fmt::Display> fmt::Display for MappedReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
