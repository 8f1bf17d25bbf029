//! `ProfiledRwLock<T>`: a drop-in replacement for `parking_lot::RwLock<T>` that records
//! contention in each mode (shared, exclusive, upgradable).

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::name::LockName;
use crate::raw::{HoldToken, RawRwLock};

/// Read guard of a [`ProfiledRwLock`].
pub type RwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawRwLock, T>;
/// Write guard of a [`ProfiledRwLock`] (`downgrade`, `downgrade_to_upgradable`, `map`, …).
pub type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock, T>;
/// Upgradable read guard of a [`ProfiledRwLock`] (`upgrade`, `try_upgrade`, …).
pub type RwLockUpgradableReadGuard<'a, T> = lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>;
/// A read guard mapped to part of the data.
pub type MappedRwLockReadGuard<'a, T> = lock_api::MappedRwLockReadGuard<'a, RawRwLock, T>;
/// A write guard mapped to part of the data.
pub type MappedRwLockWriteGuard<'a, T> = lock_api::MappedRwLockWriteGuard<'a, RawRwLock, T>;

/// A reader-writer lock that records contention: parking_lot's `RwLock` with the same methods,
/// plus a name and an id.
///
/// Laid out as [`ProfiledLock`](crate::ProfiledLock) is: aligned to 128 bytes, lock word and
/// busiest bookkeeping on the same cache line as the start of the data (an `RwLock<u64>` takes 128
/// bytes).
///
/// ```
/// use lockprof::{RwLock, RwLockUpgradableReadGuard};
///
/// static CONFIG: RwLock<u32> = RwLock::named("config", 1);
///
/// assert_eq!(*CONFIG.read(), 1);
/// let upgradable = CONFIG.upgradable_read();
/// let mut writer = RwLockUpgradableReadGuard::upgrade(upgradable);
/// *writer = 2;
/// drop(writer);
/// assert_eq!(*CONFIG.read(), 2);
/// ```
// Aligned to a pair of cache lines: see `LockMeta` for the layout.
#[repr(align(128))]
pub struct ProfiledRwLock<T: ?Sized> {
    // Crate-visible for the `Arc` locking methods (`rwlock_arc.rs`).
    pub(crate) inner: lock_api::RwLock<RawRwLock, T>,
}

impl<T> ProfiledRwLock<T> {
    /// Creates an unlocked lock named after the place it is created (`file:line`).
    #[inline]
    #[track_caller]
    pub const fn new(value: T) -> ProfiledRwLock<T> {
        ProfiledRwLock::with_name(LockName::CreatedAt(Location::caller()), value)
    }

    /// Creates an unlocked lock with a name for reports.
    #[inline]
    pub const fn named(name: &'static str, value: T) -> ProfiledRwLock<T> {
        ProfiledRwLock::with_name(LockName::Given(name), value)
    }

    const fn with_name(name: LockName, value: T) -> ProfiledRwLock<T> {
        ProfiledRwLock {
            inner: lock_api::RwLock::from_raw(RawRwLock::new(name), value),
        }
    }

    /// Creates a lock on an existing raw lock, as lock_api's `from_raw`. The lock is the raw
    /// lock's: its name and id go with it; one made by lock_api's `INIT`, which has no name, is
    /// named after this call's `file:line`, as [`new`](Self::new) would.
    #[inline]
    #[track_caller]
    pub const fn from_raw(raw_rwlock: RawRwLock, value: T) -> ProfiledRwLock<T> {
        ProfiledRwLock {
            inner: lock_api::RwLock::from_raw(raw_rwlock.or_named_at(Location::caller()), value),
        }
    }

    /// Consumes the lock and returns the protected value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }

    /// Consumes the lock and returns its raw lock (with the lock's name and id) and the
    /// protected value.
    #[inline]
    pub fn into_inner_with_raw(self) -> (RawRwLock, T) {
        self.inner.into_inner_with_raw()
    }
}

impl<T: ?Sized> ProfiledRwLock<T> {
    /// Makes a read guard for a shared lock the current context already holds, as lock_api's
    /// `make_read_guard_unchecked`.
    ///
    /// # Safety
    ///
    /// The lock must be held shared with the acquisition state `token` (from
    /// `raw().lock_shared()`), with no other guard for that acquisition, and existing
    /// references to the data must stay valid while the guard is used.
    #[inline]
    pub unsafe fn make_read_guard_unchecked(&self, token: HoldToken) -> RwLockReadGuard<'_, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.make_read_guard_unchecked(token) }
    }

    /// Makes a write guard for the exclusive lock the current context already holds.
    ///
    /// # Safety
    ///
    /// As [`make_read_guard_unchecked`](Self::make_read_guard_unchecked), for the exclusive
    /// lock (from `raw().lock_exclusive()`).
    #[inline]
    pub unsafe fn make_write_guard_unchecked(&self, token: HoldToken) -> RwLockWriteGuard<'_, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.make_write_guard_unchecked(token) }
    }

    /// Makes an upgradable read guard for the upgradable lock the current context already
    /// holds.
    ///
    /// # Safety
    ///
    /// As [`make_read_guard_unchecked`](Self::make_read_guard_unchecked), for the upgradable
    /// lock (from `raw().lock_upgradable()`).
    #[inline]
    pub unsafe fn make_upgradable_guard_unchecked(
        &self,
        token: HoldToken,
    ) -> RwLockUpgradableReadGuard<'_, T> {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.make_upgradable_guard_unchecked(token) }
    }

    /// Acquires shared read access, blocking while a writer holds or waits for the lock.
    #[inline]
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.inner.read()
    }

    /// Acquires shared read access if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.inner.try_read()
    }

    /// Acquires shared read access, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_read_for(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
        self.inner.try_read_for(timeout)
    }

    /// Acquires shared read access, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_read_until(&self, deadline: Instant) -> Option<RwLockReadGuard<'_, T>> {
        self.inner.try_read_until(deadline)
    }

    /// Acquires shared read access recursively, as parking_lot 0.12's `read_recursive`: past a
    /// writer waiting for the lock while other readers hold it, so that a thread that holds a
    /// read lock can take another without deadlocking (writers may then starve). Blocks only
    /// while a writer holds the lock, or waits for it and no reader is inside.
    ///
    /// ```
    /// use lockprof::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// let first = lock.read_recursive();
    /// let second = lock.read_recursive();
    /// assert_eq!(*first + *second, 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, T> {
        // SAFETY: only the raw lock is borrowed, to acquire it.
        let token = unsafe { self.inner.raw() }.lock_shared_recursive();
        // SAFETY: a shared lock was just acquired, with state `token`.
        unsafe { self.inner.make_read_guard_unchecked(token) }
    }

    /// [`read_recursive`](Self::read_recursive) if the lock is available now.
    #[inline]
    #[track_caller]
    pub fn try_read_recursive(&self) -> Option<RwLockReadGuard<'_, T>> {
        // SAFETY: as in `read_recursive`.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive()?;
        // SAFETY: as in `read_recursive`.
        Some(unsafe { self.inner.make_read_guard_unchecked(token) })
    }

    /// [`read_recursive`](Self::read_recursive), waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_read_recursive_for(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
        // SAFETY: as in `read_recursive`.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive_for(timeout)?;
        // SAFETY: as in `read_recursive`.
        Some(unsafe { self.inner.make_read_guard_unchecked(token) })
    }

    /// [`read_recursive`](Self::read_recursive), waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_read_recursive_until(&self, deadline: Instant) -> Option<RwLockReadGuard<'_, T>> {
        // SAFETY: as in `read_recursive`.
        let token = unsafe { self.inner.raw() }.try_lock_shared_recursive_until(deadline)?;
        // SAFETY: as in `read_recursive`.
        Some(unsafe { self.inner.make_read_guard_unchecked(token) })
    }

    /// Acquires exclusive write access, blocking until it is available.
    #[inline]
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.inner.write()
    }

    /// Acquires exclusive write access if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        self.inner.try_write()
    }

    /// Acquires exclusive write access, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_write_for(&self, timeout: Duration) -> Option<RwLockWriteGuard<'_, T>> {
        self.inner.try_write_for(timeout)
    }

    /// Acquires exclusive write access, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_write_until(&self, deadline: Instant) -> Option<RwLockWriteGuard<'_, T>> {
        self.inner.try_write_until(deadline)
    }

    /// Acquires upgradable read access (shared with readers, exclusive with other upgradable
    /// readers and writers), blocking until it is available.
    #[inline]
    #[track_caller]
    pub fn upgradable_read(&self) -> RwLockUpgradableReadGuard<'_, T> {
        self.inner.upgradable_read()
    }

    /// Acquires upgradable read access if it is available now.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read(&self) -> Option<RwLockUpgradableReadGuard<'_, T>> {
        self.inner.try_upgradable_read()
    }

    /// Acquires upgradable read access, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_for(
        &self,
        timeout: Duration,
    ) -> Option<RwLockUpgradableReadGuard<'_, T>> {
        self.inner.try_upgradable_read_for(timeout)
    }

    /// Acquires upgradable read access, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_until(
        &self,
        deadline: Instant,
    ) -> Option<RwLockUpgradableReadGuard<'_, T>> {
        self.inner.try_upgradable_read_until(deadline)
    }

    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    #[inline]
    pub const fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Whether the lock is held in any mode now (a momentary snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the lock is held exclusively now (a momentary snapshot).
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }

    /// A raw pointer to the protected data.
    #[inline]
    pub const fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Releases a shared lock held through raw acquisition state.
    ///
    /// # Safety
    ///
    /// The current context must hold a shared lock with the state `token` (from
    /// `raw().lock_shared()`), with no live guard responsible for releasing it.
    #[inline]
    pub unsafe fn force_unlock_read(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock_read(token) }
    }

    /// Releases an exclusive lock held through raw acquisition state.
    ///
    /// # Safety
    ///
    /// The current context must hold the exclusive lock with the state `token`, with no live
    /// guard responsible for releasing it.
    #[inline]
    pub unsafe fn force_unlock_write(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock_write(token) }
    }

    /// Like [`force_unlock_read`](Self::force_unlock_read), with parking_lot's fair unlocking.
    ///
    /// # Safety
    ///
    /// As for [`force_unlock_read`](Self::force_unlock_read).
    #[inline]
    pub unsafe fn force_unlock_read_fair(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock_read_fair(token) }
    }

    /// Like [`force_unlock_write`](Self::force_unlock_write), with parking_lot's fair
    /// unlocking.
    ///
    /// # Safety
    ///
    /// As for [`force_unlock_write`](Self::force_unlock_write).
    #[inline]
    pub unsafe fn force_unlock_write_fair(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock_write_fair(token) }
    }

    /// The raw lock, for use with `lock_api`'s raw traits.
    ///
    /// # Safety
    ///
    /// As `lock_api::RwLock::raw`: operations on the raw lock must keep every live guard and
    /// reference to the data valid.
    #[inline]
    pub unsafe fn raw(&self) -> &RawRwLock {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.raw() }
    }

    /// The process-unique id of this lock (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        // SAFETY: reading the bookkeeping does not touch the lock state.
        unsafe { self.inner.raw() }.meta().id()
    }

    /// The name of this lock in events and reports.
    pub fn name(&self) -> String {
        // SAFETY: as in `id`.
        unsafe { self.inner.raw() }.meta().name.to_string()
    }

    /// The `lock_api` lock inside, for APIs generic over `lock_api::RwLock`; what its guards'
    /// `rwlock()` returns too (see [`MutexGuard`](crate::MutexGuard) for why). Acquisitions
    /// through it are this lock's.
    #[inline]
    pub fn as_lock_api(&self) -> &lock_api::RwLock<RawRwLock, T> {
        &self.inner
    }
}

impl<T: Default> Default for ProfiledRwLock<T> {
    #[inline]
    #[track_caller]
    fn default() -> ProfiledRwLock<T> {
        ProfiledRwLock::new(T::default())
    }
}

impl<T> From<T> for ProfiledRwLock<T> {
    #[inline]
    #[track_caller]
    fn from(value: T) -> ProfiledRwLock<T> {
        ProfiledRwLock::new(value)
    }
}

/// As parking_lot's: `RwLock { data: … }`, or `RwLock { data: <locked> }` when a writer holds
/// the lock (formatting never blocks). The name is [`name`](ProfiledRwLock::name)'s.
impl<T: ?Sized + fmt::Debug> fmt::Debug for ProfiledRwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// As parking_lot's: the data, serialized under a read lock.
#[cfg(feature = "serde")]
impl<T: ?Sized + serde::Serialize> serde::Serialize for ProfiledRwLock<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.read().serialize(serializer)
    }
}

/// As parking_lot's: a new unlocked lock of the data, named `deserialized`.
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ProfiledRwLock<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|value| ProfiledRwLock::named("deserialized", value))
    }
}
