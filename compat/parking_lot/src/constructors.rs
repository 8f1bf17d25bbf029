//! parking_lot 0.12's `const_*` constructor functions, which 0.13 (and so lockprof) dropped
//! because `new` is `const` itself.
//!
//! Each is `#[track_caller]` so that the lock is named after the line that called it, in the
//! dependency's source, as `Mutex::new` names it: without the attribute every lock made by
//! `const_mutex` would be named after this file.

use crate::{FairMutex, Mutex, ReentrantMutex, RwLock};

/// Creates a new mutex in an unlocked state ready for use, in a `const` context (a `static`).
///
/// The same as [`Mutex::new`](lockprof::ProfiledLock::new), kept for code written for
/// parking_lot 0.12. The lock is named after the caller's `file:line`.
///
/// ```
/// static ORDERS: parking_lot::Mutex<Vec<u32>> = parking_lot::const_mutex(Vec::new());
///
/// ORDERS.lock().push(7);
/// assert_eq!(*ORDERS.lock(), [7]);
/// ```
#[inline]
#[track_caller]
pub const fn const_mutex<T>(val: T) -> Mutex<T> {
    Mutex::new(val)
}

/// Creates a new reader-writer lock in an unlocked state ready for use, in a `const` context.
///
/// The same as [`RwLock::new`](lockprof::ProfiledRwLock::new), kept for code written for
/// parking_lot 0.12. The lock is named after the caller's `file:line`.
///
/// ```
/// static CONFIG: parking_lot::RwLock<u32> = parking_lot::const_rwlock(1);
///
/// *CONFIG.write() += 1;
/// assert_eq!(*CONFIG.read(), 2);
/// ```
#[inline]
#[track_caller]
pub const fn const_rwlock<T>(val: T) -> RwLock<T> {
    RwLock::new(val)
}

/// Creates a new fair mutex in an unlocked state ready for use, in a `const` context.
///
/// The same as [`FairMutex::new`](lockprof::ProfiledFairMutex::new), kept for code written for
/// parking_lot 0.12. The lock is named after the caller's `file:line`.
///
/// ```
/// static QUEUE: parking_lot::FairMutex<Vec<u32>> = parking_lot::const_fair_mutex(Vec::new());
///
/// QUEUE.lock().push(7);
/// assert_eq!(*QUEUE.lock(), [7]);
/// ```
#[inline]
#[track_caller]
pub const fn const_fair_mutex<T>(val: T) -> FairMutex<T> {
    FairMutex::new(val)
}

/// Creates a new reentrant mutex in an unlocked state ready for use, in a `const` context.
///
/// The same as [`ReentrantMutex::new`](lockprof::ProfiledReentrantMutex::new), kept for code
/// written for parking_lot 0.12. The lock is named after the caller's `file:line`.
///
/// ```
/// static LOG: parking_lot::ReentrantMutex<u32> = parking_lot::const_reentrant_mutex(0);
///
/// let outer = LOG.lock();
/// let inner = LOG.lock(); // the same thread again: no deadlock
/// assert_eq!(*outer + *inner, 0);
/// ```
#[inline]
#[track_caller]
pub const fn const_reentrant_mutex<T>(val: T) -> ReentrantMutex<T> {
    ReentrantMutex::new(val)
}
