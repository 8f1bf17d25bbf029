//! `tokio::sync`'s [`Mutex`], [`RwLock`] and [`Semaphore`], profiled and attributed to tasks
//! (feature `tokio`). Changing `use tokio::sync::Mutex` to `use lockprof::tokio::Mutex` is the
//! whole change: the same methods (`lock`, `lock_owned`, `try_lock`, `blocking_lock`, `read`,
//! `write`, `acquire`, `acquire_many`, `close`, `add_permits`, `const_new`, …), guards and
//! permits, plus `named("…", value)` and a creation-site name, as lockprof's other locks.
//!
//! # What is measured
//!
//! - **Waits**: from the first poll of `lock()` (`read()`, `write()`, `acquire()`, …) that finds
//!   the lock taken until it returns the guard or permit. A future dropped while it waits (a
//!   timeout, a `select!` that took another branch) records a wait that gave up
//!   (`timed_out = true`), never a hold.
//! - **Holds**: the guard's or permit's life, `.await` points included.
//! - **Blame**: the time other tasks spent waiting during a hold, charged to the holding task,
//!   exactly as for the sync locks (the same waiting integral). For a semaphore, whose permits
//!   are held by several tasks at once, the waiting is charged to the holder whose release
//!   ends it, as for an `RwLock`'s readers.
//! - **Tasks**: a waiter is labelled by the innermost `tracing` span entered where it waits,
//!   else `task-<tokio task id>`; a holder likewise, where its guard is released (for a hold
//!   that began with a wait, where it waited). The label is each event's `task` field; the
//!   thread stays in `thread`.
//!
//! An uncontended acquisition costs what a sync lock's does over tokio's: no clock reading, no
//! `tracing` call, no allocation, and no task label (the label is only looked up on the slow
//! paths: a wait, a release others waited for).
//!
//! The locks are built on tokio's [`Semaphore`](tokio::sync::Semaphore), as tokio's own are:
//! the queue, its fairness and its cancellation are tokio's.

mod acquire;
mod block_on;
mod hold;
mod mutex;
mod mutex_guard;
mod owned_mutex_guard;
mod permit;
mod rwlock;
mod rwlock_owned;
mod rwlock_read;
mod rwlock_write;
mod semaphore;
mod task_label;

pub use mutex::{Mutex, TryLockError};
pub use mutex_guard::{MappedMutexGuard, MutexGuard};
pub use owned_mutex_guard::{OwnedMappedMutexGuard, OwnedMutexGuard};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};
pub use rwlock::RwLock;
pub use rwlock_owned::{OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard};
pub use rwlock_read::RwLockReadGuard;
pub use rwlock_write::{RwLockMappedWriteGuard, RwLockWriteGuard};
pub use semaphore::Semaphore;
pub use tokio::sync::{AcquireError, TryAcquireError};
