//! `ProfiledReentrantMutex<T>`: a drop-in replacement for `parking_lot::ReentrantMutex<T>` that
//! records contention, on [`crate::raw_reentrant`].
//!
//! lock_api's `ReentrantMutex` would not record the acquire sites (see `raw_reentrant`), so this
//! is its port: the same methods and guards, over lockprof's raw mutex. [`lock`](mod@lock) holds
//! the types (the lock and its three guards) and the lock's methods; [`guard`] the guards'
//! methods; [`arc`] the `Arc` locking (feature `arc_lock`). The guards' files use the lock's;
//! the lock's does not use theirs.

#[cfg(feature = "arc_lock")]
mod arc;
mod guard;
mod lock;

#[cfg(feature = "arc_lock")]
pub use lock::ArcReentrantMutexGuard;
pub use lock::{MappedReentrantMutexGuard, ProfiledReentrantMutex, ReentrantMutexGuard};
