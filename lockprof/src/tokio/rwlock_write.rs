//! Write-locking an [`RwLock`] for a borrowed guard: `write`, `try_write`, `blocking_write`,
//! and the guards [`RwLockWriteGuard`] and [`RwLockMappedWriteGuard`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use super::acquire;
use super::hold::Hold;
use super::mutex::TryLockError;
use super::rwlock::RwLock;
use super::rwlock_read::RwLockReadGuard;
use crate::Mode;
use crate::meta::LockMeta;

impl<T: ?Sized> RwLock<T> {
    /// Locks for writing, waiting in the queue until every reader and writer before it is
    /// done. The wait is measured as [`read`](Self::read)'s.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> {
        let site = Location::caller();
        async move {
            let n = self.max_readers;
            let hold = acquire::lock(&self.meta, &self.sem, n, site, Mode::Exclusive).await;
            RwLockWriteGuard::new(self.parts(), self.value.get(), hold)
        }
    }

    /// Locks for writing if nobody holds the lock now.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let (n, site) = (self.max_readers, Location::caller());
        match acquire::try_lock(&self.meta, &self.sem, n, site, Mode::Exclusive) {
            Some(hold) => Ok(RwLockWriteGuard::new(self.parts(), self.value.get(), hold)),
            None => Err(TryLockError(())),
        }
    }

    /// Locks for writing from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// When called inside an asynchronous execution context, as tokio's.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let (n, site) = (self.max_readers, Location::caller());
        let hold = acquire::blocking_lock(&self.meta, &self.sem, n, site, Mode::Exclusive);
        RwLockWriteGuard::new(self.parts(), self.value.get(), hold)
    }

    fn parts(&self) -> Parts<'_> {
        Parts {
            meta: &self.meta,
            sem: &self.sem,
            permits: self.max_readers,
        }
    }
}

/// What a write guard keeps of its lock: its bookkeeping, its semaphore, and the permits it
/// holds (every reader's).
#[derive(Clone, Copy)]
struct Parts<'a> {
    meta: &'a LockMeta,
    sem: &'a tokio::sync::Semaphore,
    permits: u32,
}

/// The guard of a write lock of an [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    parts: Parts<'a>,
    data: *mut T,
    hold: Hold,
    _data: PhantomData<&'a mut T>,
}

/// A [`RwLockWriteGuard`] mapped to part of the locked data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    parts: Parts<'a>,
    data: *mut T,
    hold: Hold,
    _data: PhantomData<&'a mut T>,
}

// SAFETY: as tokio's write guards: a `&mut T` held under every permit of the lock.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above; sharing it shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn new(parts: Parts<'a>, data: *mut T, hold: Hold) -> Self {
        RwLockWriteGuard {
            parts,
            data,
            hold,
            _data: PhantomData,
        }
    }

    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard::new(this.parts, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard::new(this.parts, data, this.hold))
    }

    /// The same guard as a mapped one, of the whole data.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |data| data)
    }

    /// Turns the write lock into a read lock without letting another writer in. The write hold
    /// ends here (measured and recorded as a release) and a read hold begins.
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let this = ManuallyDrop::new(this);
        let Parts { meta, sem, permits } = this.parts;
        let read = Hold::untimed(this.hold.site, Mode::Shared);
        // Every permit but the one the read guard keeps goes back, letting readers in.
        this.hold
            .release(meta, || sem.add_permits(permits as usize - 1));
        RwLockReadGuard::new(meta, sem, this.data, read)
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    fn new(parts: Parts<'a>, data: *mut T, hold: Hold) -> Self {
        RwLockMappedWriteGuard {
            parts,
            data,
            hold,
            _data: PhantomData,
        }
    }

    /// Maps the guard further.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard::new(this.parts, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard::new(this.parts, data, this.hold))
    }
}

/// Deref, drop (release every permit, recording the hold) and formatting of both write guards.
macro_rules! write_guard {
    ($guard:ident) => {
        impl<T: ?Sized> Drop for $guard<'_, T> {
            fn drop(&mut self) {
                let Parts { meta, sem, permits } = self.parts;
                self.hold
                    .release(meta, || sem.add_permits(permits as usize));
            }
        }

        impl<T: ?Sized> Deref for $guard<'_, T> {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: the guard holds every permit of the lock.
                unsafe { &*self.data }
            }
        }

        impl<T: ?Sized> DerefMut for $guard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                // SAFETY: the guard holds every permit of the lock.
                unsafe { &mut *self.data }
            }
        }

        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    };
}

write_guard!(RwLockWriteGuard);
write_guard!(RwLockMappedWriteGuard);
