//! `RwLockReadGuard` and `RwLockWriteGuard`: std's guards over a profiled lock's guards. Only the
//! write guard poisons, as with std: a reader that panics cannot have left the data half-changed.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::ptr::NonNull;
use std::sync::LockResult;

use lock_api::{GuardNoSend, RawRwLock as _, RawRwLockDowngrade as _};

use super::poison::{self, Flag, Panicking, Poisonable};
use crate::ProfiledRwLock;
use crate::raw::{HoldToken, RawRwLock};

/// The profiled lock under a `lockprof::sync::RwLock`.
pub(super) type Inner<T> = ProfiledRwLock<Poisonable<T>>;

/// An RAII guard of shared read access to an [`RwLock`](super::RwLock), released when dropped.
/// Returned by [`read`](super::RwLock::read) and [`try_read`](super::RwLock::try_read), and by
/// [`RwLockWriteGuard::downgrade`].
///
/// As std's: not `Send`, `Sync` when `T` is, covariant in `T`, and dropping it never poisons the
/// lock.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    // The raw lock, its acquisition state and a pointer to the value rather than a `lock_api`
    // guard: that guard refers to the lock, which makes it invariant in `T`, while std's read
    // guard is covariant (a guard of `RwLock<&'long U>` may be used as one of `&'short U`).
    data: NonNull<T>,
    raw: &'a RawRwLock,
    /// Taken once, by `Drop`.
    token: ManuallyDrop<HoldToken>,
}

/// An RAII guard of exclusive write access to an [`RwLock`](super::RwLock), released when
/// dropped. Returned by [`write`](super::RwLock::write) and
/// [`try_write`](super::RwLock::try_write).
///
/// As std's: not `Send`, `Sync` when `T` is; dropping it while the thread panics (a panic that
/// began after the lock was taken) poisons the lock.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    // The lock and the acquisition state, as the read guard, so that `downgrade` can hand the
    // state to the raw lock's downgrade.
    lock: &'a Inner<T>,
    /// Taken once, by `Drop` or `downgrade`.
    token: ManuallyDrop<HoldToken>,
    panicking: Panicking,
    /// Not `Send`, as std's guard, even when lockprof's own guards are (feature `send_guard`).
    not_send: PhantomData<GuardNoSend>,
}

// As std's guards: `&guard` lends `&T` only, so `T: Sync` is what sharing a guard needs.
// SAFETY: a shared guard gives access to nothing but `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a shared guard gives access to nothing but `&T` and the atomic poison flag.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}

// The unwind-safety std's guards have: a read guard's as the `&T` it lends, a write guard's
// always (it poisons).
impl<T: ?Sized + RefUnwindSafe> UnwindSafe for RwLockReadGuard<'_, T> {}
impl<T: ?Sized + RefUnwindSafe> RefUnwindSafe for RwLockReadGuard<'_, T> {}
impl<T: ?Sized> UnwindSafe for RwLockWriteGuard<'_, T> {}
impl<T: ?Sized> RefUnwindSafe for RwLockWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard of the read lock `lock` holds with `token`; `Err` if the lock is poisoned.
    ///
    /// # Safety
    ///
    /// `lock` must be held shared with acquisition state `token`, and nothing else may release
    /// that hold.
    #[inline]
    pub(super) unsafe fn new(lock: &'a Inner<T>, token: HoldToken) -> LockResult<Self> {
        let data = lock.data_ptr();
        // SAFETY: `data` points to the lock's value, which lives as long as the lock.
        let poisoned = unsafe { Poisonable::flag(data) }.get();
        let guard = RwLockReadGuard {
            // SAFETY: as above; a pointer into a live lock is never null.
            data: unsafe { NonNull::new_unchecked(Poisonable::value(data)) },
            // SAFETY: the guard takes over the hold; nothing else acquires or releases through
            // this reference.
            raw: unsafe { lock.raw() },
            token: ManuallyDrop::new(token),
        };
        poison::result(poisoned, guard)
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A guard of the write lock `lock` holds with `token`, taken by a thread that was
    /// `panicking` or not when it asked for it; `Err` if the lock is poisoned.
    ///
    /// # Safety
    ///
    /// `lock` must be held exclusively with acquisition state `token`, and nothing else may
    /// release that hold.
    #[inline]
    pub(super) unsafe fn new(
        lock: &'a Inner<T>,
        token: HoldToken,
        panicking: Panicking,
    ) -> LockResult<Self> {
        let guard = RwLockWriteGuard {
            lock,
            token: ManuallyDrop::new(token),
            panicking,
            not_send: PhantomData,
        };
        let poisoned = guard.flag().get();
        poison::result(poisoned, guard)
    }

    /// Turns write access into read access atomically: no writer can get in between, and other
    /// readers may enter from now on. As std's (stable since Rust 1.92), it never fails and does
    /// not poison; the read guard it returns is the same whether the lock is poisoned or not.
    /// lockprof records the hold on as one hold, from the write lock to the read guard's release.
    ///
    /// ```
    /// use lockprof::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let rw = RwLock::new(0);
    ///
    /// let mut write_guard = rw.write().unwrap();
    /// *write_guard = 42;
    ///
    /// let read_guard = RwLockWriteGuard::downgrade(write_guard);
    /// assert_eq!(42, *read_guard);
    /// ```
    ///
    /// A writer waiting meanwhile cannot slip in before the downgraded guard reads:
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use lockprof::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let rw = Arc::new(RwLock::new(1));
    /// let mut main_write_guard = rw.write().unwrap();
    ///
    /// let rw_clone = Arc::clone(&rw);
    /// let writer = std::thread::spawn(move || {
    ///     // Returns only once the main thread drops its read guard.
    ///     let mut guard = rw_clone.write().unwrap();
    ///     assert_eq!(*guard, 2);
    ///     *guard = 3;
    /// });
    ///
    /// *main_write_guard = 2;
    /// let main_read_guard = RwLockWriteGuard::downgrade(main_write_guard);
    /// assert_eq!(*main_read_guard, 2, "`downgrade` was not atomic");
    ///
    /// drop(main_read_guard);
    /// writer.join().unwrap();
    /// assert_eq!(*rw.read().unwrap(), 3);
    /// ```
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        // Not dropped: its `Drop` would poison and unlock.
        let mut s = ManuallyDrop::new(s);
        // SAFETY: the token is taken once; `s` is never dropped.
        let token = unsafe { ManuallyDrop::take(&mut s.token) };
        // SAFETY: this guard holds the lock exclusively with `token`.
        let token = unsafe { s.lock.raw().downgrade(token) };
        // SAFETY: the lock is now held shared with `token`, which the read guard takes over.
        unsafe { RwLockReadGuard::new(s.lock, token) }.unwrap_or_else(|e| e.into_inner())
    }

    #[inline]
    fn data(&self) -> *mut Poisonable<T> {
        self.lock.data_ptr()
    }

    #[inline]
    fn flag(&self) -> &Flag {
        // SAFETY: the lock outlives its guard.
        unsafe { Poisonable::flag(self.data()) }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: a read guard excludes writers, so the value is only shared meanwhile.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock exclusively.
        unsafe { &*Poisonable::value(self.data()) }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the lock exclusively, and `&mut self` makes this the only
        // access.
        unsafe { &mut *Poisonable::value(self.data()) }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the token is taken once, here; this guard holds the lock shared with it.
        unsafe { self.raw.unlock_shared(ManuallyDrop::take(&mut self.token)) };
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Poisoned while still held, as std does.
        self.flag().done(self.panicking);
        // SAFETY: the token is taken once, here; this guard holds the lock exclusively with it.
        unsafe {
            self.lock
                .raw()
                .unlock_exclusive(ManuallyDrop::take(&mut self.token))
        };
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
