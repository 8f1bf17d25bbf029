//! lock_api's upgradable-read traits for [`RawProfiledRwLock`]: upgradable reads are taken,
//! timed and released like the other modes, and a contended upgrade is timed like any wait.

use std::panic::Location;
use std::time::{Duration, Instant};

use super::{RawProfiledRwLock, acquired, deadline_after};
use crate::Mode;
use crate::acquire::{self, HoldToken};

// SAFETY: as above; upgrades are parking_lot's, and a contended upgrade is timed like any wait.
unsafe impl lock_api::RawRwLockUpgrade for RawProfiledRwLock {
    type UpgradableGuard = HoldToken;

    #[inline]
    #[track_caller]
    fn lock_upgradable(&self) -> HoldToken {
        // Spelled out rather than through `upgradable()`: the inlined part stays one attempt and
        // one flag test, with no `Option` to unwrap.
        let site = Location::caller();
        if self.raw.lock_upgradable_fast() || self.raw.lock_upgradable_busy() {
            return acquire::acquired(&self.meta, site, Mode::Upgradable);
        }
        acquired(self.upgradable_contended(site, None))
    }

    #[inline]
    #[track_caller]
    fn try_lock_upgradable(&self) -> Option<HoldToken> {
        let site = Location::caller();
        if !self.raw.try_lock_upgradable() {
            return None;
        }
        Some(acquire::acquired(&self.meta, site, Mode::Upgradable))
    }

    #[inline]
    unsafe fn unlock_upgradable(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Upgradable, || {
            // SAFETY: the caller holds the upgradable lock.
            unsafe { self.raw.unlock_upgradable(self.woke()) }
        });
    }

    #[inline]
    #[track_caller]
    unsafe fn upgrade(&self, token: HoldToken) -> HoldToken {
        let site = Location::caller();
        // SAFETY: forwarded from lock_api's contract; without a deadline the upgrade succeeds.
        match unsafe { self.upgrade_until(token, site, None) } {
            Ok(token) | Err(token) => token,
        }
    }

    #[inline]
    #[track_caller]
    unsafe fn try_upgrade(&self, token: HoldToken) -> Result<HoldToken, HoldToken> {
        // SAFETY: forwarded from lock_api's contract.
        if unsafe { self.raw.try_upgrade() } {
            Ok(token)
        } else {
            Err(token)
        }
    }
}

// SAFETY: as for RawRwLockFair.
unsafe impl lock_api::RawRwLockUpgradeFair for RawProfiledRwLock {
    #[inline]
    unsafe fn unlock_upgradable_fair(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Upgradable, || {
            // SAFETY: the caller holds the upgradable lock.
            unsafe { self.raw.unlock_upgradable_fair() }
        });
    }
}

// SAFETY: as for RawRwLockDowngrade.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawProfiledRwLock {
    #[inline]
    unsafe fn downgrade_upgradable(&self, token: HoldToken) -> HoldToken {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.raw.downgrade_upgradable() };
        token
    }

    #[inline]
    unsafe fn downgrade_to_upgradable(&self, token: HoldToken) -> HoldToken {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { self.raw.downgrade_to_upgradable() };
        token
    }
}

// SAFETY: as above.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawProfiledRwLock {
    #[inline]
    #[track_caller]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.lock_upgradable_fast() || self.raw.lock_upgradable_busy() {
            return Some(acquire::acquired(&self.meta, site, Mode::Upgradable));
        }
        self.upgradable_contended(site, deadline_after(timeout))
    }

    #[inline]
    #[track_caller]
    fn try_lock_upgradable_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.upgradable(Location::caller(), Some(deadline))
    }

    #[inline]
    #[track_caller]
    unsafe fn try_upgrade_for(
        &self,
        token: HoldToken,
        timeout: Duration,
    ) -> Result<HoldToken, HoldToken> {
        let site = Location::caller();
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.upgrade_until(token, site, deadline_after(timeout)) }
    }

    #[inline]
    #[track_caller]
    unsafe fn try_upgrade_until(
        &self,
        token: HoldToken,
        deadline: Instant,
    ) -> Result<HoldToken, HoldToken> {
        let site = Location::caller();
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.upgrade_until(token, site, Some(deadline)) }
    }
}
