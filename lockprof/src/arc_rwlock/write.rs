//! `ArcRwLockWriteGuard`: a write lock held through an `Arc`. (Its `downgrade_to_upgradable` is
//! in `upgradable.rs`, with the guard it returns.)

use std::mem::ManuallyDrop;
use std::ops::DerefMut;
use std::sync::Arc;

use super::common::arc_guard_common;
use super::read::ArcRwLockReadGuard;
use crate::arc_raw::ArcRwLockRaw;

/// A guard that holds an [`RwLock`](crate::RwLock) write-locked through an `Arc`
/// (`write_arc`, `try_write_arc`, …): it owns a clone of the `Arc` instead of borrowing the
/// lock. lock_api's `ArcRwLockWriteGuard`, as parking_lot re-exports it, for lockprof's
/// `RwLock`; `R` is [`RawRwLock`](crate::raw::RawRwLock).
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct ArcRwLockWriteGuard<R: ArcRwLockRaw, T: ?Sized> {
    // The raw unlock consumes it in `drop`.
    token: ManuallyDrop<R::ExclusiveGuard>,
    rwlock: Arc<R::RwLock<T>>,
}

arc_guard_common!(
    ArcRwLockWriteGuard,
    ExclusiveGuard,
    unlock_exclusive,
    unlock_exclusive_fair,
    lock_exclusive,
    bump_exclusive
);

impl<R: ArcRwLockRaw, T: ?Sized> ArcRwLockWriteGuard<R, T> {
    /// Turns the write lock into a read lock without letting a writer in between (the hold goes
    /// on, in shared mode).
    #[inline]
    pub fn downgrade(s: Self) -> ArcRwLockReadGuard<R, T> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: the token is this guard's exclusive acquisition; the shared one it becomes
        // goes to the new guard.
        unsafe {
            let token = Self::raw(&rwlock).downgrade(token);
            ArcRwLockReadGuard::new(rwlock, token)
        }
    }
}

impl<R: ArcRwLockRaw, T: ?Sized> DerefMut for ArcRwLockWriteGuard<R, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock exclusively, and `&mut self` makes this the only
        // access.
        unsafe { &mut *R::data_of(&*self.rwlock) }
    }
}
