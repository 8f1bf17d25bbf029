//! Locking a [`Mutex`] behind an `Arc` for a guard that owns it (`'static`, to move into a
//! spawned task): `lock_owned`, `try_lock_owned`, `blocking_lock_owned`, and the guards
//! [`OwnedMutexGuard`] and [`OwnedMappedMutexGuard`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::ptr;
use std::sync::Arc;

use super::acquire;
use super::hold::Hold;
use super::mutex::{Mutex, TryLockError};
use crate::Mode;

impl<T: ?Sized> Mutex<T> {
    /// [`lock`](Self::lock) for a guard that keeps the mutex alive through its `Arc`.
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let site = Location::caller();
        async move {
            let hold = acquire::lock(&self.meta, &self.sem, 1, site, Mode::Exclusive).await;
            OwnedMutexGuard::new(self, hold)
        }
    }

    /// [`try_lock`](Self::try_lock) for an owned guard.
    #[track_caller]
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let site = Location::caller();
        match acquire::try_lock(&self.meta, &self.sem, 1, site, Mode::Exclusive) {
            Some(hold) => Ok(OwnedMutexGuard::new(self, hold)),
            None => Err(TryLockError(())),
        }
    }

    /// [`blocking_lock`](Self::blocking_lock) for an owned guard.
    ///
    /// # Panics
    ///
    /// When called inside an asynchronous execution context, as tokio's.
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let site = Location::caller();
        let hold = acquire::blocking_lock(&self.meta, &self.sem, 1, site, Mode::Exclusive);
        OwnedMutexGuard::new(self, hold)
    }
}

/// The guard of a [`Mutex`] locked through an `Arc` ([`Mutex::lock_owned`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
    hold: Hold,
    /// `Sync` only when `T` is, as tokio's guard.
    _data: PhantomData<T>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    fn new(lock: Arc<Mutex<T>>, hold: Hold) -> Self {
        OwnedMutexGuard {
            lock,
            hold,
            _data: PhantomData,
        }
    }

    /// The lock and the hold, without running this guard's drop.
    fn into_parts(this: Self) -> (Arc<Mutex<T>>, Hold) {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped, so its `Arc` is moved out exactly once.
        (unsafe { ptr::read(&this.lock) }, this.hold)
    }

    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (lock, hold) = OwnedMutexGuard::into_parts(this);
        OwnedMappedMutexGuard::new(lock, data, hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (lock, hold) = OwnedMutexGuard::into_parts(this);
        Ok(OwnedMappedMutexGuard::new(lock, data, hold))
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        let sem = &self.lock.sem;
        self.hold.release(&self.lock.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// An [`OwnedMutexGuard`] mapped to part of the locked data ([`OwnedMutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
    hold: Hold,
}

// SAFETY: as tokio's `OwnedMappedMutexGuard`: a `&mut U` held under the permit of a mutex it
// keeps alive.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: as above; sharing it shares `&U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    fn new(lock: Arc<Mutex<T>>, data: *mut U, hold: Hold) -> Self {
        OwnedMappedMutexGuard { lock, data, hold }
    }

    /// Maps the guard further.
    pub fn map<S: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        F: FnOnce(&mut U) -> &mut S,
    {
        let data = f(&mut *this) as *mut S;
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped, so its `Arc` is moved out exactly once.
        let lock = unsafe { ptr::read(&this.lock) };
        OwnedMappedMutexGuard::new(lock, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<S: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut S,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        // SAFETY: as in `map`.
        let lock = unsafe { ptr::read(&this.lock) };
        Ok(OwnedMappedMutexGuard::new(lock, data, this.hold))
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        let sem = &self.lock.sem;
        self.hold.release(&self.lock.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: the guard holds the lock's permit.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
