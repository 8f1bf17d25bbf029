//! The `Arc` locking methods of [`ProfiledRwLock`] (feature `arc_lock`): lock_api's `read_arc`,
//! `read_arc_recursive`, `write_arc`, `upgradable_read_arc` and their `try_` forms, returning the guards of
//! `crate::arc_rwlock`; and what those guards need of the lock ([`ArcRwLockRaw`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use lock_api::{
    RawRwLock as _, RawRwLockTimed as _, RawRwLockUpgrade as _, RawRwLockUpgradeTimed as _,
};

use crate::acquire::HoldToken;
use crate::arc_raw::{ArcRwLockRaw, Sealed};
use crate::arc_rwlock::{ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard, ArcRwLockWriteGuard};
use crate::raw::RawRwLock;
use crate::rwlock::ProfiledRwLock;

impl Sealed for RawRwLock {}

impl ArcRwLockRaw for RawRwLock {
    type RwLock<T: ?Sized> = ProfiledRwLock<T>;

    #[inline]
    unsafe fn raw_of<T: ?Sized>(lock: &ProfiledRwLock<T>) -> &RawRwLock {
        // SAFETY: forwarded from the trait's contract.
        unsafe { lock.inner.raw() }
    }

    #[inline]
    fn data_of<T: ?Sized>(lock: &ProfiledRwLock<T>) -> *mut T {
        lock.inner.data_ptr()
    }
}

impl<T: ?Sized> ProfiledRwLock<T> {
    /// Makes an `Arc` read guard for a shared lock the current context already holds.
    ///
    /// # Safety
    ///
    /// As [`make_read_guard_unchecked`](Self::make_read_guard_unchecked).
    #[inline]
    pub unsafe fn make_arc_read_guard_unchecked(
        self: &Arc<Self>,
        token: HoldToken,
    ) -> ArcRwLockReadGuard<RawRwLock, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) }
    }

    /// Makes an `Arc` write guard for the exclusive lock the current context already holds.
    ///
    /// # Safety
    ///
    /// As [`make_write_guard_unchecked`](Self::make_write_guard_unchecked).
    #[inline]
    pub unsafe fn make_arc_write_guard_unchecked(
        self: &Arc<Self>,
        token: HoldToken,
    ) -> ArcRwLockWriteGuard<RawRwLock, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { ArcRwLockWriteGuard::new(Arc::clone(self), token) }
    }

    /// Makes an `Arc` upgradable read guard for the upgradable lock the current context
    /// already holds.
    ///
    /// # Safety
    ///
    /// As [`make_upgradable_guard_unchecked`](Self::make_upgradable_guard_unchecked).
    #[inline]
    pub unsafe fn make_upgradable_arc_guard_unchecked(
        self: &Arc<Self>,
        token: HoldToken,
    ) -> ArcRwLockUpgradableReadGuard<RawRwLock, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { ArcRwLockUpgradableReadGuard::new(Arc::clone(self), token) }
    }

    /// Acquires shared read access through an `Arc`, blocking while a writer holds or waits for the lock: the guard holds a clone of the `Arc` instead of borrowing the lock.
    #[inline]
    #[track_caller]
    pub fn read_arc(self: &Arc<Self>) -> ArcRwLockReadGuard<RawRwLock, T> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::lock_shared(unsafe { self.inner.raw() });
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) }
    }

    /// Acquires shared read access through an `Arc` if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_read_arc(self: &Arc<Self>) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_shared(unsafe { self.inner.raw() })?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// Acquires shared read access through an `Arc`, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_read_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_shared_for(unsafe { self.inner.raw() }, timeout)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// Acquires shared read access through an `Arc`, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_read_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_shared_until(unsafe { self.inner.raw() }, deadline)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// [`read_recursive`](Self::read_recursive) through an `Arc`.
    #[inline]
    #[track_caller]
    pub fn read_arc_recursive(self: &Arc<Self>) -> ArcRwLockReadGuard<RawRwLock, T> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = unsafe { self.inner.raw() }.lock_shared_recursive();
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) }
    }

    /// [`try_read_recursive`](Self::try_read_recursive) through an `Arc`.
    #[inline]
    #[track_caller]
    pub fn try_read_arc_recursive(self: &Arc<Self>) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive()?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// [`try_read_recursive_for`](Self::try_read_recursive_for) through an `Arc`.
    #[inline]
    #[track_caller]
    pub fn try_read_arc_recursive_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive_for(timeout)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// [`try_read_recursive_until`](Self::try_read_recursive_until) through an `Arc`.
    #[inline]
    #[track_caller]
    pub fn try_read_arc_recursive_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<ArcRwLockReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive_until(deadline)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockReadGuard::new(Arc::clone(self), token) })
    }

    /// Acquires exclusive write access through an `Arc`, blocking until it is available.
    #[inline]
    #[track_caller]
    pub fn write_arc(self: &Arc<Self>) -> ArcRwLockWriteGuard<RawRwLock, T> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::lock_exclusive(unsafe { self.inner.raw() });
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        unsafe { ArcRwLockWriteGuard::new(Arc::clone(self), token) }
    }

    /// Acquires exclusive write access through an `Arc` if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_write_arc(self: &Arc<Self>) -> Option<ArcRwLockWriteGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_exclusive(unsafe { self.inner.raw() })?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockWriteGuard::new(Arc::clone(self), token) })
    }

    /// Acquires exclusive write access through an `Arc`, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_write_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Option<ArcRwLockWriteGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_exclusive_for(unsafe { self.inner.raw() }, timeout)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockWriteGuard::new(Arc::clone(self), token) })
    }

    /// Acquires exclusive write access through an `Arc`, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_write_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<ArcRwLockWriteGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_exclusive_until(unsafe { self.inner.raw() }, deadline)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockWriteGuard::new(Arc::clone(self), token) })
    }

    /// Acquires upgradable read access through an `Arc`, blocking until it is available.
    #[inline]
    #[track_caller]
    pub fn upgradable_read_arc(self: &Arc<Self>) -> ArcRwLockUpgradableReadGuard<RawRwLock, T> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::lock_upgradable(unsafe { self.inner.raw() });
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        unsafe { ArcRwLockUpgradableReadGuard::new(Arc::clone(self), token) }
    }

    /// Acquires upgradable read access through an `Arc` if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc(
        self: &Arc<Self>,
    ) -> Option<ArcRwLockUpgradableReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_upgradable(unsafe { self.inner.raw() })?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockUpgradableReadGuard::new(Arc::clone(self), token) })
    }

    /// Acquires upgradable read access through an `Arc`, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Option<ArcRwLockUpgradableReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_upgradable_for(unsafe { self.inner.raw() }, timeout)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockUpgradableReadGuard::new(Arc::clone(self), token) })
    }

    /// Acquires upgradable read access through an `Arc`, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<ArcRwLockUpgradableReadGuard<RawRwLock, T>> {
        // SAFETY: locking the raw lock invalidates no guard or reference.
        let token = RawRwLock::try_lock_upgradable_until(unsafe { self.inner.raw() }, deadline)?;
        // SAFETY: `token` is this acquisition's, which no other guard stands for.
        Some(unsafe { ArcRwLockUpgradableReadGuard::new(Arc::clone(self), token) })
    }
}
