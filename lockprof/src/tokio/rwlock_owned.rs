//! Locking an [`RwLock`] behind an `Arc` for guards that own it (`'static`, to move into a
//! spawned task): `read_owned`, `write_owned`, their `try_` forms, and [`OwnedRwLockReadGuard`],
//! [`OwnedRwLockWriteGuard`], [`OwnedRwLockMappedWriteGuard`].

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::ptr;
use std::sync::Arc;

use super::acquire;
use super::hold::Hold;
use super::mutex::TryLockError;
use super::rwlock::RwLock;
use crate::Mode;

impl<T: ?Sized> RwLock<T> {
    /// [`read`](Self::read) for a guard that keeps the lock alive through its `Arc`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let site = Location::caller();
        async move {
            let hold = acquire::lock(&self.meta, &self.sem, 1, site, Mode::Shared).await;
            let data = self.value.get().cast_const();
            OwnedRwLockReadGuard {
                lock: self,
                data,
                hold,
            }
        }
    }

    /// [`try_read`](Self::try_read) for an owned guard.
    #[track_caller]
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let site = Location::caller();
        let hold = acquire::try_lock(&self.meta, &self.sem, 1, site, Mode::Shared)
            .ok_or(TryLockError(()))?;
        let data = self.value.get().cast_const();
        Ok(OwnedRwLockReadGuard {
            lock: self,
            data,
            hold,
        })
    }

    /// [`write`](Self::write) for a guard that keeps the lock alive through its `Arc`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let site = Location::caller();
        async move {
            let n = self.max_readers;
            let hold = acquire::lock(&self.meta, &self.sem, n, site, Mode::Exclusive).await;
            let data = self.value.get();
            OwnedRwLockWriteGuard {
                lock: self,
                data,
                hold,
            }
        }
    }

    /// [`try_write`](Self::try_write) for an owned guard.
    #[track_caller]
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let (n, site) = (self.max_readers, Location::caller());
        let hold = acquire::try_lock(&self.meta, &self.sem, n, site, Mode::Exclusive)
            .ok_or(TryLockError(()))?;
        let data = self.value.get();
        Ok(OwnedRwLockWriteGuard {
            lock: self,
            data,
            hold,
        })
    }
}

/// The guard of a read lock of an [`RwLock`] taken through an `Arc`; mapped guards are of the
/// same type, `U` the part of `T` they show.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
    hold: Hold,
}

/// The guard of a write lock of an [`RwLock`] taken through an `Arc`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    data: *mut T,
    hold: Hold,
}

/// An [`OwnedRwLockWriteGuard`] mapped to part `U` of the locked data.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *mut U,
    hold: Hold,
}

// SAFETY: as tokio's owned guards: a `&U` (`&mut U`) held under the permits of a lock the guard
// keeps alive.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

/// Takes a guard apart without running its drop: its lock, data pointer and hold.
macro_rules! into_parts {
    ($this:expr) => {{
        let this = ManuallyDrop::new($this);
        // SAFETY: `this` is never dropped, so its `Arc` is moved out exactly once.
        (unsafe { ptr::read(&this.lock) }, this.data, this.hold)
    }};
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data = f(&*this) as *const V;
        let (lock, _, hold) = into_parts!(this);
        OwnedRwLockReadGuard { lock, data, hold }
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let Some(data) = f(&*this).map(|data| data as *const V) else {
            return Err(this);
        };
        let (lock, _, hold) = into_parts!(this);
        Ok(OwnedRwLockReadGuard { lock, data, hold })
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (lock, _, hold) = into_parts!(this);
        OwnedRwLockMappedWriteGuard { lock, data, hold }
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut U) else {
            return Err(this);
        };
        let (lock, _, hold) = into_parts!(this);
        Ok(OwnedRwLockMappedWriteGuard { lock, data, hold })
    }

    /// The same guard as a mapped one, of the whole data.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |data| data)
    }

    /// Turns the write lock into a read lock without letting another writer in: the write hold
    /// ends here (measured and recorded as a release) and a read hold begins.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let (lock, data, hold) = into_parts!(this);
        let read = Hold::untimed(hold.site, Mode::Shared);
        let permits = lock.max_readers as usize;
        hold.release(&lock.meta, || lock.sem.add_permits(permits - 1));
        OwnedRwLockReadGuard {
            lock,
            data: data.cast_const(),
            hold: read,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Maps the guard further.
    pub fn map<V: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = f(&mut *this) as *mut V;
        let (lock, _, hold) = into_parts!(this);
        OwnedRwLockMappedWriteGuard { lock, data, hold }
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<V: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut V) else {
            return Err(this);
        };
        let (lock, _, hold) = into_parts!(this);
        Ok(OwnedRwLockMappedWriteGuard { lock, data, hold })
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        let sem = &self.lock.sem;
        self.hold.release(&self.lock.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        let (sem, permits) = (&self.lock.sem, self.lock.max_readers as usize);
        self.hold
            .release(&self.lock.meta, || sem.add_permits(permits));
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        let (sem, permits) = (&self.lock.sem, self.lock.max_readers as usize);
        self.hold
            .release(&self.lock.meta, || sem.add_permits(permits));
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds a read permit, which keeps writers out.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit of the lock.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit of the lock.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds every permit of the lock.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: the guard holds every permit of the lock.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockMappedWriteGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
