//! `ArcRwLockReadGuard`: a read lock held through an `Arc`.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use super::common::arc_guard_common;
use crate::arc_raw::ArcRwLockRaw;

/// A guard that holds an [`RwLock`](crate::RwLock) read-locked through an `Arc`
/// (`read_arc`, `try_read_arc`, …): it owns a clone of the `Arc` instead of borrowing the lock.
/// lock_api's `ArcRwLockReadGuard`, as parking_lot re-exports it, for lockprof's `RwLock`;
/// `R` is [`RawRwLock`](crate::raw::RawRwLock).
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct ArcRwLockReadGuard<R: ArcRwLockRaw, T: ?Sized> {
    // The raw unlock consumes it in `drop`.
    token: ManuallyDrop<R::SharedGuard>,
    rwlock: Arc<R::RwLock<T>>,
}

arc_guard_common!(
    ArcRwLockReadGuard,
    SharedGuard,
    unlock_shared,
    unlock_shared_fair,
    lock_shared,
    bump_shared
);
