//! Read-locking an [`RwLock`] for a borrowed guard: `read`, `try_read`, `blocking_read`, and
//! [`RwLockReadGuard`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::panic::Location;

use super::acquire;
use super::hold::Hold;
use super::mutex::TryLockError;
use super::rwlock::RwLock;
use crate::Mode;
use crate::meta::LockMeta;

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting in the queue behind any writer that asked first. The wait,
    /// if any, is timed from the first poll until the guard is returned; dropping the future
    /// records it as given up.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> {
        let site = Location::caller();
        async move {
            let hold = acquire::lock(&self.meta, &self.sem, 1, site, Mode::Shared).await;
            RwLockReadGuard::new(&self.meta, &self.sem, self.value.get(), hold)
        }
    }

    /// Locks for reading if no writer holds the lock or waits for it now.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match acquire::try_lock(&self.meta, &self.sem, 1, Location::caller(), Mode::Shared) {
            Some(hold) => Ok(RwLockReadGuard::new(
                &self.meta,
                &self.sem,
                self.value.get(),
                hold,
            )),
            None => Err(TryLockError(())),
        }
    }

    /// Locks for reading from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// When called inside an asynchronous execution context, as tokio's.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let site = Location::caller();
        let hold = acquire::blocking_lock(&self.meta, &self.sem, 1, site, Mode::Shared);
        RwLockReadGuard::new(&self.meta, &self.sem, self.value.get(), hold)
    }
}

/// The guard of a read lock of an [`RwLock`]; mapped guards are of the same type.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    meta: &'a LockMeta,
    sem: &'a tokio::sync::Semaphore,
    data: *const T,
    hold: Hold,
    _data: PhantomData<&'a T>,
}

// SAFETY: as tokio's `RwLockReadGuard`: it is a `&T` held under a read permit.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard of one read permit of the lock of `meta` and `sem`, over `data`.
    pub(super) fn new(
        meta: &'a LockMeta,
        sem: &'a tokio::sync::Semaphore,
        data: *const T,
        hold: Hold,
    ) -> Self {
        RwLockReadGuard {
            meta,
            sem,
            data,
            hold,
            _data: PhantomData,
        }
    }

    /// Makes a guard of a part of the locked data; the hold goes on in it.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let this = ManuallyDrop::new(this);
        RwLockReadGuard::new(this.meta, this.sem, data, this.hold)
    }

    /// [`map`](Self::map) when `f` may decline: the guard comes back unchanged.
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockReadGuard::new(this.meta, this.sem, data, this.hold))
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        let sem = self.sem;
        self.hold.release(self.meta, || sem.add_permits(1));
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read permit, which keeps writers out.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
