//! `RwLock<T>`: `std::sync::RwLock` with its API and poisoning, on lockprof's profiled
//! reader-writer lock.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{LockResult, TryLockError, TryLockResult};

use lock_api::RawRwLock as _;

use super::poison::{Flag, Panicking, Poisonable};
use super::rwlock_guards::{Inner, RwLockReadGuard, RwLockWriteGuard};
use crate::ProfiledRwLock;
use crate::raw::RawRwLock;

/// A reader-writer lock with `std::sync::RwLock`'s API and poisoning, whose contention lockprof
/// records in each mode: `use lockprof::sync::RwLock` in place of `use std::sync::RwLock` is the
/// whole change.
///
/// Any number of readers, or one writer, at a time. Underneath is lockprof's profiled
/// `RwLock` ([`lockprof::RwLock`](crate::RwLock), parking_lot's), which lets no new reader in
/// while a writer waits: a thread that read-locks twice while another thread waits to write
/// deadlocks, one of the outcomes std's documentation leaves open. Waits, holds and blame are
/// recorded per mode at the call site of `read` or `write`; the lock is named after the
/// `file:line` that created it, or with [`named`](Self::named).
///
/// # Poisoning
///
/// As std's: only a panic while the lock is held for writing poisons it; a panicking reader
/// does not. A poisoned lock is still acquired, its guard handed back inside a
/// [`PoisonError`](super::PoisonError).
///
/// # Examples
///
/// ```
/// use lockprof::sync::RwLock; // was: use std::sync::RwLock;
///
/// let lock = RwLock::new(5);
///
/// // Any number of readers at once.
/// {
///     let r1 = lock.read().unwrap();
///     let r2 = lock.read().unwrap();
///     assert_eq!(*r1, 5);
///     assert_eq!(*r2, 5);
/// } // Both read locks are released here.
///
/// // Only one writer.
/// {
///     let mut w = lock.write().unwrap();
///     *w += 1;
///     assert_eq!(*w, 6);
/// } // The write lock is released here.
/// ```
pub struct RwLock<T: ?Sized> {
    inner: Inner<T>,
}

// `Send` and `Sync` come from the profiled lock: `T: Send`, and `T: Send + Sync`, as std's.

// As std's: a panicking writer poisons the lock, so observing it afterwards is safe.
impl<T: ?Sized> UnwindSafe for RwLock<T> {}
impl<T: ?Sized> RefUnwindSafe for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock, named in reports after the place it is created (`file:line`).
    /// `const`, so it can initialise a `static`.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// static CONFIG: RwLock<u32> = RwLock::new(5);
    /// assert_eq!(*CONFIG.read().unwrap(), 5);
    /// ```
    #[inline]
    #[track_caller]
    pub const fn new(t: T) -> RwLock<T> {
        RwLock {
            inner: ProfiledRwLock::new(Poisonable::new(t)),
        }
    }

    /// Creates an unlocked lock with a name for reports; lockprof's addition to std's API.
    #[inline]
    pub const fn named(name: &'static str, t: T) -> RwLock<T> {
        RwLock {
            inner: ProfiledRwLock::named(name, Poisonable::new(t)),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Acquires shared read access, blocking while a writer holds the lock (or, parking_lot's
    /// policy, waits for it). A wait is recorded at the caller's `file:line`.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned (a writer panicked), the guard comes back inside the `Err`, once
    /// the lock is acquired.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let c_lock = Arc::clone(&lock);
    ///
    /// let n = lock.read().unwrap();
    /// assert_eq!(*n, 1);
    ///
    /// thread::spawn(move || {
    ///     let r = c_lock.read();
    ///     assert!(r.is_ok());
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    #[inline]
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let token = self.raw().lock_shared();
        // SAFETY: just acquired shared with `token`, handed to the guard.
        unsafe { RwLockReadGuard::new(&self.inner, token) }
    }

    /// Acquires shared read access if it is available now, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if a writer holds the lock; [`TryLockError::Poisoned`], with
    /// the guard, if it was available but is poisoned.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    ///
    /// match lock.try_read() {
    ///     Ok(n) => assert_eq!(*n, 1),
    ///     Err(_) => unreachable!(),
    /// };
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        match self.raw().try_lock_shared() {
            // SAFETY: just acquired shared with `token`, handed to the guard.
            Some(token) => Ok(unsafe { RwLockReadGuard::new(&self.inner, token) }?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Acquires exclusive write access, blocking until no reader or writer holds the lock. A
    /// wait is recorded at the caller's `file:line`.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the guard comes back inside the `Err`, once the lock is
    /// acquired.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    ///
    /// let mut n = lock.write().unwrap();
    /// *n = 2;
    ///
    /// assert!(lock.try_read().is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        // Asked before locking, as in `Mutex::lock` (why there).
        let panicking = Panicking::now();
        let token = self.raw().lock_exclusive();
        // SAFETY: just acquired exclusively with `token`, handed to the guard.
        unsafe { RwLockWriteGuard::new(&self.inner, token, panicking) }
    }

    /// Acquires exclusive write access if it is available now, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if the lock is held; [`TryLockError::Poisoned`], with the
    /// guard, if it was free but is poisoned.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    ///
    /// let n = lock.read().unwrap();
    /// assert_eq!(*n, 1);
    ///
    /// assert!(lock.try_write().is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let panicking = Panicking::now();
        match self.raw().try_lock_exclusive() {
            // SAFETY: just acquired exclusively with `token`, handed to the guard.
            Some(token) => Ok(unsafe { RwLockWriteGuard::new(&self.inner, token, panicking) }?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether the lock is poisoned. Another thread may poison it right after a `false`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let c_lock = Arc::clone(&lock);
    ///
    /// let _ = thread::spawn(move || {
    ///     let _lock = c_lock.write().unwrap();
    ///     panic!(); // poisons the lock
    /// })
    /// .join();
    /// assert!(lock.is_poisoned());
    /// ```
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.flag().get()
    }

    /// Clears the poison, for example once the data has been checked or reset.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let c_lock = Arc::clone(&lock);
    ///
    /// let _ = thread::spawn(move || {
    ///     let _lock = c_lock.write().unwrap();
    ///     panic!(); // poisons the lock
    /// })
    /// .join();
    ///
    /// assert!(lock.is_poisoned());
    /// let guard = lock.write().unwrap_or_else(|mut e| {
    ///     **e.get_mut() = 1;
    ///     lock.clear_poison();
    ///     e.into_inner()
    /// });
    /// assert!(!lock.is_poisoned());
    /// assert_eq!(*guard, 1);
    /// ```
    #[inline]
    pub fn clear_poison(&self) {
        self.flag().clear();
    }

    /// Consumes the lock and returns its data.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the data comes back inside the `Err`.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// let lock = RwLock::new(String::new());
    /// lock.write().unwrap().push_str("modified");
    /// assert_eq!(lock.into_inner().unwrap(), "modified");
    /// ```
    pub fn into_inner(self) -> LockResult<T>
    where
        T: Sized,
    {
        self.inner.into_inner().into_result()
    }

    /// A mutable reference to the data, without locking: `&mut self` proves no guard exists.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the reference comes back inside the `Err`.
    ///
    /// ```
    /// use lockprof::sync::RwLock;
    ///
    /// let mut lock = RwLock::new(0);
    /// *lock.get_mut().unwrap() = 10;
    /// assert_eq!(*lock.read().unwrap(), 10);
    /// ```
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut().get_mut()
    }

    /// The process-unique id of this lock (the `lock_id` of its events); lockprof's addition.
    pub fn id(&self) -> u64 {
        self.inner.id()
    }

    /// The name of this lock in events and reports: the one given to [`named`](Self::named),
    /// or where it was created (`file:line`); lockprof's addition.
    pub fn name(&self) -> String {
        self.inner.name()
    }

    #[inline]
    fn raw(&self) -> &RawRwLock {
        // SAFETY: every acquisition through it is handed to a guard, which releases it.
        unsafe { self.inner.raw() }
    }

    #[inline]
    fn flag(&self) -> &Flag {
        // SAFETY: the data lives as long as the lock.
        unsafe { Poisonable::flag(self.inner.data_ptr()) }
    }
}

impl<T> From<T> for RwLock<T> {
    /// A new unlocked lock, as [`RwLock::new`] (named after the caller's `file:line`).
    #[inline]
    #[track_caller]
    fn from(t: T) -> RwLock<T> {
        RwLock::new(t)
    }
}

impl<T: Default> Default for RwLock<T> {
    /// A lock holding `T::default()`, named after the caller's `file:line`.
    #[inline]
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    /// As std's: `RwLock { data: .., poisoned: false, .. }`, with `<locked>` while a writer
    /// holds it (never blocks).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            // Unquoted, as std (1.95) prints it (its `Mutex` quotes it).
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}
