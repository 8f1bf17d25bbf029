//! `ArcRwLockUpgradableReadGuard`: an upgradable read lock held through an `Arc`, with its
//! upgrades (an upgrade that waits is recorded as an exclusive wait at its call site), and the
//! write guard's way back to it.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use super::common::arc_guard_common;
use super::read::ArcRwLockReadGuard;
use super::write::ArcRwLockWriteGuard;
use crate::arc_raw::ArcRwLockRaw;
use crate::relock::AbortOnUnwind;

/// A guard that holds an [`RwLock`](crate::RwLock) upgradable-read-locked through an `Arc`
/// (`upgradable_read_arc`, …): it owns a clone of the `Arc` instead of borrowing the lock.
/// lock_api's `ArcRwLockUpgradableReadGuard`, as parking_lot re-exports it, for lockprof's
/// `RwLock`; `R` is [`RawRwLock`](crate::raw::RawRwLock).
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct ArcRwLockUpgradableReadGuard<R: ArcRwLockRaw, T: ?Sized> {
    // The raw unlock consumes it in `drop`.
    token: ManuallyDrop<R::UpgradableGuard>,
    rwlock: Arc<R::RwLock<T>>,
}

arc_guard_common!(
    ArcRwLockUpgradableReadGuard,
    UpgradableGuard,
    unlock_upgradable,
    unlock_upgradable_fair,
    lock_upgradable,
    bump_upgradable
);

impl<R: ArcRwLockRaw, T: ?Sized> ArcRwLockUpgradableReadGuard<R, T> {
    /// Upgrades to a write lock, waiting for the readers to leave. Another read guard held by
    /// this thread would make it wait forever.
    #[inline]
    #[track_caller]
    pub fn upgrade(s: Self) -> ArcRwLockWriteGuard<R, T> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: the token is this guard's upgradable acquisition; the exclusive one it
        // becomes goes to the new guard.
        unsafe {
            let token = Self::raw(&rwlock).upgrade(token);
            ArcRwLockWriteGuard::new(rwlock, token)
        }
    }

    /// Upgrades to a write lock if no reader is left now; gives the guard back otherwise.
    #[inline]
    #[track_caller]
    pub fn try_upgrade(s: Self) -> Result<ArcRwLockWriteGuard<R, T>, Self> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: as in `upgrade`; a failed attempt gives the upgradable acquisition back.
        unsafe {
            match Self::raw(&rwlock).try_upgrade(token) {
                Ok(token) => Ok(ArcRwLockWriteGuard::new(rwlock, token)),
                Err(token) => Err(Self::new(rwlock, token)),
            }
        }
    }

    /// Upgrades to a write lock, waiting at most `timeout` for the readers to leave.
    #[inline]
    #[track_caller]
    pub fn try_upgrade_for(
        s: Self,
        timeout: R::Duration,
    ) -> Result<ArcRwLockWriteGuard<R, T>, Self> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: as in `try_upgrade`.
        unsafe {
            match Self::raw(&rwlock).try_upgrade_for(token, timeout) {
                Ok(token) => Ok(ArcRwLockWriteGuard::new(rwlock, token)),
                Err(token) => Err(Self::new(rwlock, token)),
            }
        }
    }

    /// Upgrades to a write lock, waiting until `deadline` at most for the readers to leave.
    #[inline]
    #[track_caller]
    pub fn try_upgrade_until(
        s: Self,
        deadline: R::Instant,
    ) -> Result<ArcRwLockWriteGuard<R, T>, Self> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: as in `try_upgrade`.
        unsafe {
            match Self::raw(&rwlock).try_upgrade_until(token, deadline) {
                Ok(token) => Ok(ArcRwLockWriteGuard::new(rwlock, token)),
                Err(token) => Err(Self::new(rwlock, token)),
            }
        }
    }

    /// Turns the upgradable read lock into a plain read lock, letting no writer in between.
    #[inline]
    pub fn downgrade(s: Self) -> ArcRwLockReadGuard<R, T> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: the token is this guard's upgradable acquisition; the shared one it becomes
        // goes to the new guard.
        unsafe {
            let token = Self::raw(&rwlock).downgrade_upgradable(token);
            ArcRwLockReadGuard::new(rwlock, token)
        }
    }

    /// Upgrades to a write lock, runs `f` on the data, and downgrades back to an upgradable
    /// read lock, keeping the lock throughout. Aborts if the upgrade or the downgrade panics.
    #[inline]
    #[track_caller]
    pub fn with_upgraded<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, f: F) -> Ret {
        let raw = Self::raw(&self.rwlock);
        let bomb = AbortOnUnwind;
        // SAFETY: the token is this guard's; it is put back by `downgrade` below, on return or
        // unwind.
        let exclusive = unsafe { raw.upgrade(ManuallyDrop::take(&mut self.token)) };
        bomb.disarm();
        self.upgraded(exclusive, f)
    }

    /// Upgrades to a write lock if no reader is left now and, if so, runs `f` on the data and
    /// downgrades back, as [`with_upgraded`](Self::with_upgraded).
    #[inline]
    #[track_caller]
    pub fn try_with_upgraded<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, f: F) -> Option<Ret> {
        let raw = Self::raw(&self.rwlock);
        let bomb = AbortOnUnwind;
        // SAFETY: as in `with_upgraded`; a failed attempt gives the token back at once.
        let attempt = unsafe { raw.try_upgrade(ManuallyDrop::take(&mut self.token)) };
        bomb.disarm();
        self.upgraded_if(attempt, f)
    }

    /// As [`try_with_upgraded`](Self::try_with_upgraded), waiting at most `timeout` for the
    /// readers to leave.
    #[inline]
    #[track_caller]
    pub fn try_with_upgraded_for<Ret, F: FnOnce(&mut T) -> Ret>(
        &mut self,
        timeout: R::Duration,
        f: F,
    ) -> Option<Ret> {
        let raw = Self::raw(&self.rwlock);
        let bomb = AbortOnUnwind;
        // SAFETY: as in `try_with_upgraded`.
        let attempt = unsafe { raw.try_upgrade_for(ManuallyDrop::take(&mut self.token), timeout) };
        bomb.disarm();
        self.upgraded_if(attempt, f)
    }

    /// As [`try_with_upgraded`](Self::try_with_upgraded), waiting until `deadline` at most for
    /// the readers to leave.
    #[inline]
    #[track_caller]
    pub fn try_with_upgraded_until<Ret, F: FnOnce(&mut T) -> Ret>(
        &mut self,
        deadline: R::Instant,
        f: F,
    ) -> Option<Ret> {
        let raw = Self::raw(&self.rwlock);
        let bomb = AbortOnUnwind;
        // SAFETY: as in `try_with_upgraded`.
        let attempt =
            unsafe { raw.try_upgrade_until(ManuallyDrop::take(&mut self.token), deadline) };
        bomb.disarm();
        self.upgraded_if(attempt, f)
    }

    /// Runs `f` if the upgrade succeeded, or puts the upgradable token back.
    fn upgraded_if<Ret>(
        &mut self,
        attempt: Result<R::ExclusiveGuard, R::UpgradableGuard>,
        f: impl FnOnce(&mut T) -> Ret,
    ) -> Option<Ret> {
        match attempt {
            Ok(exclusive) => Some(self.upgraded(exclusive, f)),
            Err(token) => {
                self.token = ManuallyDrop::new(token);
                None
            }
        }
    }

    /// Runs `f` on the data with the lock upgraded to `exclusive` (the guard's token taken),
    /// then downgrades back into the guard's token, on return or unwind.
    fn upgraded<Ret>(
        &mut self,
        exclusive: R::ExclusiveGuard,
        f: impl FnOnce(&mut T) -> Ret,
    ) -> Ret {
        let rwlock = &self.rwlock;
        let _back = DowngradeOnDrop {
            raw: Self::raw(rwlock),
            exclusive: Some(exclusive),
            token: &mut self.token,
        };
        // SAFETY: the lock is held exclusively until `_back` downgrades it, after `f`.
        f(unsafe { &mut *R::data_of(&**rwlock) })
    }
}

/// Downgrades an upgraded lock back to upgradable into a guard's token when dropped, on return
/// or unwind, aborting if that panics: the guard must hold the lock throughout.
struct DowngradeOnDrop<'a, R: ArcRwLockRaw> {
    raw: &'a R,
    exclusive: Option<R::ExclusiveGuard>,
    token: &'a mut ManuallyDrop<R::UpgradableGuard>,
}

impl<R: ArcRwLockRaw> Drop for DowngradeOnDrop<'_, R> {
    fn drop(&mut self) {
        if let Some(exclusive) = self.exclusive.take() {
            let bomb = AbortOnUnwind;
            // SAFETY: `exclusive` is the upgraded acquisition of the guard's lock.
            let upgradable = unsafe { self.raw.downgrade_to_upgradable(exclusive) };
            bomb.disarm();
            *self.token = ManuallyDrop::new(upgradable);
        }
    }
}

impl<R: ArcRwLockRaw, T: ?Sized> ArcRwLockWriteGuard<R, T> {
    /// Turns the write lock into an upgradable read lock without letting a writer in between.
    #[inline]
    pub fn downgrade_to_upgradable(s: Self) -> ArcRwLockUpgradableReadGuard<R, T> {
        let (rwlock, token) = Self::into_parts(s);
        // SAFETY: the token is this guard's exclusive acquisition; the upgradable one it
        // becomes goes to the new guard.
        unsafe {
            let token = Self::raw(&rwlock).downgrade_to_upgradable(token);
            ArcRwLockUpgradableReadGuard::new(rwlock, token)
        }
    }
}
