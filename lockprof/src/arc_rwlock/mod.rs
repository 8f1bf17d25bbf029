//! The guards of an [`RwLock`](crate::RwLock) locked through an `Arc` (feature `arc_lock`):
//! lock_api's `ArcRwLockReadGuard`, `ArcRwLockWriteGuard` and `ArcRwLockUpgradableReadGuard`, as
//! parking_lot re-exports them, over lockprof's `RwLock` (which is not a `lock_api::RwLock` but
//! wraps one: see `crate::arc_mutex`). Same methods, same generic parameters
//! (`ArcRwLockReadGuard<RawRwLock, T>`), the same raw calls, so what they do is recorded as any
//! other acquisition and release of the lock.
//!
//! [`common`] holds what the three have in common; [`upgradable`] also holds the write guard's
//! `downgrade_to_upgradable`, so that the write guard's file need not know the upgradable one.

mod common;
mod read;
mod upgradable;
mod write;

pub use read::ArcRwLockReadGuard;
pub use upgradable::ArcRwLockUpgradableReadGuard;
pub use write::ArcRwLockWriteGuard;
