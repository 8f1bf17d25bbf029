//! `ProfiledLock<T>`: a drop-in replacement for `parking_lot::Mutex<T>` that records contention.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::name::LockName;
use crate::raw::{HoldToken, RawMutex};

/// Guard of a [`ProfiledLock`]: `lock_api`'s `MutexGuard`, so `map`, `try_map`, `unlocked`,
/// `unlock_fair` and the rest work as with parking_lot.
pub type MutexGuard<'a, T> = lock_api::MutexGuard<'a, RawMutex, T>;

/// A [`MutexGuard`] mapped to part of the protected data.
pub type MappedMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawMutex, T>;

/// A mutual-exclusion lock that records contention: parking_lot's `Mutex` with the same methods,
/// plus a name and an id.
///
/// The mutex is aligned to 128 bytes, two cache lines, with its bookkeeping and lock word before
/// the data (a `Mutex<u64>` takes 128 bytes): the lock word, the bookkeeping every acquisition
/// touches and the start of the data share one line, as the lock word and data of a
/// `parking_lot` lock do, so a contended hand-off moves one cache line between cores, not two.
/// The other line is the lock's own too: x86 cores fetch lines in 128-byte pairs, so a busy lock
/// never drags a neighbour's line along, nor a neighbour it (as crossbeam's `CachePadded`).
///
/// ```
/// static ORDERS: lockprof::Mutex<Vec<u32>> = lockprof::Mutex::named("orders", Vec::new());
///
/// ORDERS.lock().push(7);
/// assert_eq!(*ORDERS.lock(), [7]);
/// ```
// Aligned to a pair of cache lines: see `LockMeta` for the layout.
#[repr(align(128))]
pub struct ProfiledLock<T: ?Sized> {
    inner: lock_api::Mutex<RawMutex, T>,
}

impl<T> ProfiledLock<T> {
    /// Creates an unlocked mutex named after the place it is created (`file:line`).
    #[inline]
    #[track_caller]
    pub const fn new(value: T) -> ProfiledLock<T> {
        ProfiledLock::with_name(LockName::CreatedAt(Location::caller()), value)
    }

    /// Creates an unlocked mutex with a name for reports (`"orders"`, `"ledger"`).
    #[inline]
    pub const fn named(name: &'static str, value: T) -> ProfiledLock<T> {
        ProfiledLock::with_name(LockName::Given(name), value)
    }

    const fn with_name(name: LockName, value: T) -> ProfiledLock<T> {
        ProfiledLock {
            inner: lock_api::Mutex::from_raw(RawMutex::new(name), value),
        }
    }

    /// Consumes the mutex and returns the protected value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> ProfiledLock<T> {
    /// Acquires the mutex, blocking until it is available; the wait is recorded if there is one.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.inner.lock()
    }

    /// Acquires the mutex if it is free now.
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.inner.try_lock()
    }

    /// Acquires the mutex, waiting at most `timeout`. A wait that gives up is recorded with
    /// `timed_out = true`.
    #[inline]
    #[track_caller]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        self.inner.try_lock_for(timeout)
    }

    /// Acquires the mutex, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_lock_until(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        self.inner.try_lock_until(deadline)
    }

    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    #[inline]
    pub const fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Whether the mutex is locked now (a momentary snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// A raw pointer to the protected data.
    #[inline]
    pub const fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Unlocks the mutex held through raw acquisition state, as `lock_api`'s `force_unlock`.
    ///
    /// # Safety
    ///
    /// The current context must hold the lock with the acquisition state `token` (from
    /// `raw().lock()`), with no live guard responsible for unlocking it.
    #[inline]
    pub unsafe fn force_unlock(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock(token) }
    }

    /// Like [`force_unlock`](Self::force_unlock), with parking_lot's fair unlocking.
    ///
    /// # Safety
    ///
    /// As for [`force_unlock`](Self::force_unlock).
    #[inline]
    pub unsafe fn force_unlock_fair(&self, token: HoldToken) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.force_unlock_fair(token) }
    }

    /// The raw mutex, for use with `lock_api`'s raw traits.
    ///
    /// # Safety
    ///
    /// As `lock_api::Mutex::raw`: operations on the raw lock must keep every live guard and
    /// reference to the data valid.
    #[inline]
    pub unsafe fn raw(&self) -> &RawMutex {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.inner.raw() }
    }

    /// The process-unique id of this lock (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        // SAFETY: reading the bookkeeping does not touch the lock state.
        unsafe { self.inner.raw() }.meta.id()
    }

    /// The name of this lock in events and reports.
    pub fn name(&self) -> String {
        // SAFETY: as in `id`.
        unsafe { self.inner.raw() }.meta.name.to_string()
    }

    /// The `lock_api` mutex inside, for APIs generic over `lock_api::Mutex`.
    #[inline]
    pub fn as_lock_api(&self) -> &lock_api::Mutex<RawMutex, T> {
        &self.inner
    }
}

impl<T: Default> Default for ProfiledLock<T> {
    #[inline]
    #[track_caller]
    fn default() -> ProfiledLock<T> {
        ProfiledLock::new(T::default())
    }
}

impl<T> From<T> for ProfiledLock<T> {
    #[inline]
    #[track_caller]
    fn from(value: T) -> ProfiledLock<T> {
        ProfiledLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ProfiledLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `try_lock`, like parking_lot: formatting never blocks.
        let mut d = f.debug_struct("Mutex");
        // SAFETY: reading the name does not touch the lock state.
        d.field(
            "name",
            &format_args!("{}", unsafe { self.inner.raw() }.meta.name),
        );
        match self.inner.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}
