//! `ProfiledFairMutex<T>`: a drop-in replacement for `parking_lot::FairMutex<T>` that records
//! contention.

use crate::raw::RawFairMutex;

/// Guard of a [`ProfiledFairMutex`]: `lock_api`'s `MutexGuard`, which unlocks fairly when
/// dropped. Its `mutex()` is the `lock_api::Mutex` inside, as for
/// [`MutexGuard`](crate::MutexGuard).
pub type FairMutexGuard<'a, T> = lock_api::MutexGuard<'a, RawFairMutex, T>;

/// A [`FairMutexGuard`] mapped to part of the protected data.
pub type MappedFairMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawFairMutex, T>;

/// A mutual-exclusion lock that always unlocks fairly and records contention: parking_lot's
/// `FairMutex`, with the same methods as [`Mutex`](crate::Mutex), plus a name and an id.
///
/// When threads are parked waiting for it, an unlock hands the lock directly to one of them
/// instead of letting the unlocking thread take it straight back, as parking_lot's does. That is
/// slower, but no thread starves. Fair is not first in, first out: a thread that spins or calls
/// `try_lock` can still get the lock without joining the queue. Recorded as a
/// [`Mutex`](crate::Mutex) is (the events say `mutex`); a fair hand-off shows as waits that end
/// at the previous holder's release, with no other thread's hold in between. Laid out as
/// [`Mutex`](crate::Mutex) (a `FairMutex<u64>` takes 128 bytes).
///
/// ```
/// use std::sync::Arc;
///
/// let queue = Arc::new(lockprof::FairMutex::named("queue", Vec::new()));
/// let workers: Vec<_> = (0..4)
///     .map(|i| {
///         let queue = Arc::clone(&queue);
///         std::thread::spawn(move || queue.lock().push(i))
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap();
/// }
/// assert_eq!(queue.lock().len(), 4);
/// ```
// Aligned to a pair of cache lines: see `LockMeta` for the layout.
#[repr(align(128))]
pub struct ProfiledFairMutex<T: ?Sized> {
    inner: lock_api::Mutex<RawFairMutex, T>,
}

crate::mutex_api::mutex_api!(ProfiledFairMutex, RawFairMutex, FairMutexGuard);
