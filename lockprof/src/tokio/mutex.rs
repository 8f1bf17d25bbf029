//! [`Mutex`]: `tokio::sync::Mutex` profiled. The type, its construction and what needs no lock;
//! acquiring is in `mutex_guard.rs` (borrowed guards) and `owned_mutex_guard.rs` (owned ones).

use std::cell::UnsafeCell;
use std::fmt;
use std::panic::Location;

use crate::LockKind;
use crate::meta::LockMeta;
use crate::name::LockName;

/// An asynchronous mutual-exclusion lock that records contention: `tokio::sync::Mutex` with the
/// same methods, plus a name and an id.
///
/// Like tokio's, it is a fair (first come, first served) lock built on tokio's semaphore with
/// one permit: it *is* tokio's queue, with lockprof's bookkeeping around the permit. A wait is
/// timed from the first poll of [`lock`](Mutex::lock) that finds the lock taken until the
/// guard is returned; a hold is the guard's life, `.await`s included; both are attributed to
/// the task (its innermost entered `tracing` span, else `task-<id>`). A `lock()` future dropped
/// while it waits (a timeout, a `select!` that took another branch) is recorded as a wait that
/// gave up (`timed_out`), never as a hold.
///
/// ```
/// use lockprof::tokio::Mutex;
///
/// static ORDERS: Mutex<Vec<u32>> = Mutex::named("orders", Vec::new());
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// ORDERS.lock().await.push(7);
/// assert_eq!(*ORDERS.lock().await, [7]);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    pub(super) meta: LockMeta,
    pub(super) sem: tokio::sync::Semaphore,
    pub(super) value: UnsafeCell<T>,
}

// SAFETY: as `tokio::sync::Mutex`: the semaphore's one permit gives one task at a time access to
// the value, so sharing the mutex shares `T` only by moving access between threads.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// `try_lock` found the mutex locked: tokio's `TryLockError`, whose constructor is tokio's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex named after the place it is created (`file:line`).
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex::with_name(LockName::CreatedAt(Location::caller()), value)
    }

    /// Creates an unlocked mutex in a `const` context (a `static`), named after the place it is
    /// created; the same as [`new`](Self::new), which is `const` too.
    #[track_caller]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex::with_name(LockName::CreatedAt(Location::caller()), value)
    }

    /// Creates an unlocked mutex with a name for reports (`"orders"`, `"ledger"`); `const`, for
    /// `static`s too.
    pub const fn named(name: &'static str, value: T) -> Mutex<T> {
        Mutex::with_name(LockName::Given(name), value)
    }

    const fn with_name(name: LockName, value: T) -> Mutex<T> {
        Mutex {
            meta: LockMeta::new(name, LockKind::Mutex),
            sem: tokio::sync::Semaphore::const_new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns the protected value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The process-unique id of this lock (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        self.meta.id()
    }

    /// The name of this lock in events and reports.
    pub fn name(&self) -> String {
        self.meta.name.to_string()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        d.field("name", &format_args!("{}", self.meta.name));
        // Formatting never waits, and is no acquisition of the program's: the permit is taken
        // and given back around lockprof.
        match self.sem.try_acquire() {
            Ok(permit) => {
                // SAFETY: the permit gives this call sole access until it is dropped.
                d.field("data", &unsafe { &*self.value.get() });
                drop(permit);
            }
            Err(_) => {
                d.field("data", &format_args!("<locked>"));
            }
        }
        d.finish()
    }
}
