//! `ProfiledLock<T>`: a drop-in replacement for `parking_lot::Mutex<T>` that records contention.

use crate::raw::RawMutex;

/// Guard of a [`ProfiledLock`]: `lock_api`'s `MutexGuard`, so `map`, `try_map`, `unlocked`,
/// `unlock_fair` and the rest work as with parking_lot.
///
/// Its associated function `MutexGuard::mutex` returns, as parking_lot's does, the
/// `lock_api::Mutex` that the guard locks. With parking_lot that is the `Mutex` itself; here it
/// is the `lock_api::Mutex` inside the [`ProfiledLock`] ([`as_lock_api`](ProfiledLock::as_lock_api)),
/// which has the same locking methods, recorded as this lock's. Handing back the
/// `ProfiledLock` instead would mean turning a reference to its field into one to the whole
/// lock, which is not sound for a `lock_api::Mutex` that was built on its own.
pub type MutexGuard<'a, T> = lock_api::MutexGuard<'a, RawMutex, T>;

/// A [`MutexGuard`] mapped to part of the protected data.
pub type MappedMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawMutex, T>;

/// A mutual-exclusion lock that records contention: parking_lot's `Mutex` with the same methods,
/// plus a name and an id. It unlocks unfairly, as parking_lot's does: see
/// [`FairMutex`](crate::FairMutex) for one that always unlocks fairly.
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

crate::mutex_api::mutex_api!(ProfiledLock, RawMutex, MutexGuard);
