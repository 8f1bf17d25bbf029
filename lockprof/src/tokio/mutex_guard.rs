//! Locking a [`Mutex`] for a borrowed guard: `lock`, `try_lock`, `blocking_lock`, and the
//! guards [`MutexGuard`] and [`MappedMutexGuard`], whose drop releases the permit and records
//! the hold.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use super::acquire;
use super::hold::Hold;
use super::mutex::{Mutex, TryLockError};
use crate::Mode;
use crate::meta::LockMeta;

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting in the queue (first come, first served) until it is free. The
    /// wait, if any, is timed from the first poll until the guard is returned.
    ///
    /// Cancel safety: as tokio's, dropping the future gives up its place in the queue; the wait
    /// so far is recorded as one that gave up.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> {
        let site = Location::caller();
        async move {
            let hold = acquire::lock(&self.meta, &self.sem, 1, site, Mode::Exclusive).await;
            MutexGuard::new(self, hold)
        }
    }

    /// Locks the mutex if it is free now.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match acquire::try_lock(
            &self.meta,
            &self.sem,
            1,
            Location::caller(),
            Mode::Exclusive,
        ) {
            Some(hold) => Ok(MutexGuard::new(self, hold)),
            None => Err(TryLockError(())),
        }
    }

    /// Locks the mutex from synchronous code, blocking the thread until it is free.
    ///
    /// # Panics
    ///
    /// When called inside an asynchronous execution context, as tokio's.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let site = Location::caller();
        let hold = acquire::blocking_lock(&self.meta, &self.sem, 1, site, Mode::Exclusive);
        MutexGuard::new(self, hold)
    }
}

/// The guard of a [`Mutex`]: the lock is held until it is dropped, and the hold recorded then.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
    hold: Hold,
    /// `Sync` only when `T` is, as tokio's guard.
    _data: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(lock: &'a Mutex<T>, hold: Hold) -> Self {
        MutexGuard {
            lock,
            hold,
            _data: PhantomData,
        }
    }

    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let this = ManuallyDrop::new(this);
        // SAFETY: the guard's permit gives it sole access to the value; the mapped guard takes
        // the permit over (this guard is not dropped).
        let data = f(unsafe { &mut *this.lock.value.get() }) as *mut U;
        MappedMutexGuard::new(&this.lock.meta, &this.lock.sem, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        // SAFETY: as in `map`; on `None` the borrow ends before the guard is returned.
        let data = match f(unsafe { &mut *this.lock.value.get() }) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(MappedMutexGuard::new(
            &this.lock.meta,
            &this.lock.sem,
            data,
            this.hold,
        ))
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let sem = &self.lock.sem;
        self.hold.release(&self.lock.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A [`MutexGuard`] mapped to part of the locked data ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    meta: &'a LockMeta,
    sem: &'a tokio::sync::Semaphore,
    data: *mut T,
    hold: Hold,
    _data: PhantomData<&'a mut T>,
}

// SAFETY: as tokio's `MappedMutexGuard`: it is a `&mut T` held under the lock's permit.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: as above; sharing it shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    fn new(meta: &'a LockMeta, sem: &'a tokio::sync::Semaphore, data: *mut T, hold: Hold) -> Self {
        MappedMutexGuard {
            meta,
            sem,
            data,
            hold,
            _data: PhantomData,
        }
    }

    /// Maps the guard further.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let mut this = ManuallyDrop::new(this);
        // SAFETY: the guard holds the permit; the new one takes it over.
        let data = f(unsafe { &mut *this.data }) as *mut U;
        MappedMutexGuard::new(this.meta, this.sem, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        // SAFETY: as in `map`.
        let data = match f(unsafe { &mut *this.data }) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(MappedMutexGuard::new(this.meta, this.sem, data, this.hold))
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        let sem = self.sem;
        self.hold.release(self.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
