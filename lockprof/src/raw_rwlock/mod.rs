//! The raw profiled reader-writer lock: parking_lot's reader-writer algorithm
//! ([`RwLockWord`]) plus the lock's bookkeeping, implementing lock_api's raw traits (shared,
//! exclusive, upgradable, timed, fair, downgrade) and recursive reads.

use std::panic::Location;
use std::time::{Duration, Instant};

use crate::acquire::{self, HoldToken, WaiterStack};
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::rwlock_word::RwLockWord;
use crate::{LockKind, Mode};

mod upgrade;

/// A raw reader-writer lock that records contention: parking_lot's reader-writer algorithm plus
/// lockprof's per-lock bookkeeping. Use it through [`crate::RwLock`]; it is public because guard
/// types name it.
#[repr(C)]
pub struct RawProfiledRwLock {
    /// First, so its busiest fields end next to the raw lock word (see `LockMeta`).
    pub(crate) meta: LockMeta,
    raw: RwLockWord,
}

impl std::fmt::Debug for RawProfiledRwLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProfiledRwLock")
            .field("locked", &self.raw.is_locked())
            .field("meta", &self.meta)
            .finish()
    }
}

/// A raw acquisition attempt that may block: `None` deadline blocks until acquired.
type Deadline = Option<Instant>;

fn deadline_after(timeout: Duration) -> Deadline {
    // A timeout too far away to represent is no timeout.
    Instant::now().checked_add(timeout)
}

impl RawProfiledRwLock {
    pub(crate) const fn new(name: LockName) -> RawProfiledRwLock {
        RawProfiledRwLock {
            raw: RwLockWord::new(),
            meta: LockMeta::new(name, LockKind::RwLock),
        }
    }

    /// The lock's bookkeeping.
    #[inline(always)]
    pub(crate) fn meta(&self) -> &LockMeta {
        &self.meta
    }

    /// This raw lock, named after `site` if it has no name (made by `INIT`), for `from_raw`.
    pub(crate) const fn or_named_at(self, site: &'static Location<'static>) -> RawProfiledRwLock {
        let mut raw = self;
        raw.meta.name = raw.meta.name.or_created_at(site);
        raw
    }

    /// Shared acquisition: parking_lot's fast path (one load, one compare-and-swap), then, if
    /// that lost a race with other readers, its retries; a wait only when a writer holds or
    /// waits for the lock. `recursive`: past a waiting writer while other readers hold it.
    #[inline(always)]
    fn shared(
        &self,
        site: &'static Location<'static>,
        recursive: bool,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        if self.raw.lock_shared_fast(recursive) || self.raw.lock_shared_busy(recursive) {
            return Some(acquire::acquired(&self.meta, site, Mode::Shared));
        }
        self.shared_contended(site, recursive, deadline)
    }

    /// [`shared`](Self::shared) with a timeout, read from the clock only if it has to wait.
    #[inline(always)]
    fn shared_for(
        &self,
        site: &'static Location<'static>,
        recursive: bool,
        timeout: Duration,
    ) -> Option<HoldToken> {
        if self.raw.lock_shared_fast(recursive) || self.raw.lock_shared_busy(recursive) {
            return Some(acquire::acquired(&self.meta, site, Mode::Shared));
        }
        self.shared_contended(site, recursive, deadline_after(timeout))
    }

    /// One attempt at a shared acquisition, as parking_lot's `try_lock_shared`.
    #[inline(always)]
    fn try_shared(&self, site: &'static Location<'static>, recursive: bool) -> Option<HoldToken> {
        if !self.raw.try_lock_shared(recursive) {
            return None;
        }
        Some(acquire::acquired(&self.meta, site, Mode::Shared))
    }

    #[cold]
    #[inline(never)]
    fn shared_contended(
        &self,
        site: &'static Location<'static>,
        recursive: bool,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Shared,
            WaiterStack::WhenLong,
            |clock, watch| {
                self.raw.lock_shared_slow(
                    recursive,
                    deadline,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            },
        )
    }

    #[cold]
    #[inline(never)]
    fn exclusive_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Exclusive,
            WaiterStack::WhenLong,
            |clock, watch| {
                self.raw.lock_exclusive_slow(
                    deadline,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            },
        )
    }

    #[cold]
    #[inline(never)]
    fn upgradable_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Upgradable,
            WaiterStack::WhenLong,
            |clock, watch| {
                self.raw.lock_upgradable_slow(
                    deadline,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            },
        )
    }

    #[inline]
    fn exclusive(&self, site: &'static Location<'static>, deadline: Deadline) -> Option<HoldToken> {
        if self.raw.lock_exclusive_fast() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        self.exclusive_contended(site, deadline)
    }

    #[inline]
    fn upgradable(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        if self.raw.lock_upgradable_fast() || self.raw.lock_upgradable_busy() {
            return Some(acquire::acquired(&self.meta, site, Mode::Upgradable));
        }
        self.upgradable_contended(site, deadline)
    }

    /// Upgrades, waiting for readers to leave if needed (recorded as an exclusive wait at the
    /// upgrade's site). Gives the upgradable token back if the deadline passes.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable with acquisition state `token`.
    unsafe fn upgrade_until(
        &self,
        token: HoldToken,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Result<HoldToken, HoldToken> {
        // SAFETY: the caller holds the lock upgradable (this function's contract).
        if unsafe { self.raw.try_upgrade() } {
            return Ok(token);
        }
        let upgraded = acquire::upgrade_contended(&self.meta, site, |clock, watch| {
            // SAFETY: as above; the lock is still held upgradable.
            unsafe {
                self.raw.upgrade_slow(
                    deadline,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            }
        });
        upgraded.ok_or(token)
    }

    /// The unlock hook: an unlock that woke a parked thread tells the profiler.
    #[inline(always)]
    fn woke(&self) -> impl Fn() + '_ {
        || acquire::woke_waiter(&self.meta)
    }
}

/// Recursive reads, as parking_lot 0.12's `RawRwLockRecursive` (lock_api 0.5 has no such trait;
/// [`crate::RwLock::read_recursive`] and its `try_*` forms call these).
impl RawProfiledRwLock {
    /// Acquires a shared lock that passes a waiting writer while other readers hold the lock,
    /// so that a thread that holds a read lock can take another without deadlocking.
    #[inline]
    #[track_caller]
    pub fn lock_shared_recursive(&self) -> HoldToken {
        acquired(self.shared(Location::caller(), true, None))
    }

    /// One attempt at [`lock_shared_recursive`](Self::lock_shared_recursive).
    #[inline]
    #[track_caller]
    pub fn try_lock_shared_recursive(&self) -> Option<HoldToken> {
        self.try_shared(Location::caller(), true)
    }

    /// [`lock_shared_recursive`](Self::lock_shared_recursive), giving up after `timeout`.
    #[inline]
    #[track_caller]
    pub fn try_lock_shared_recursive_for(&self, timeout: Duration) -> Option<HoldToken> {
        self.shared_for(Location::caller(), true, timeout)
    }

    /// [`lock_shared_recursive`](Self::lock_shared_recursive), giving up at `deadline`.
    #[inline]
    #[track_caller]
    pub fn try_lock_shared_recursive_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.shared(Location::caller(), true, Some(deadline))
    }
}

/// Unwraps the result of an acquisition without a deadline.
fn acquired(token: Option<HoldToken>) -> HoldToken {
    token.expect("a lock without a deadline always ends acquired")
}

// SAFETY: reader-writer exclusion and memory ordering come from the lock word (parking_lot's
// algorithm), which every method delegates to; the bookkeeping neither unlocks nor re-locks and
// does not unwind between a successful raw acquisition and returning its token.
unsafe impl lock_api::RawRwLock for RawProfiledRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawProfiledRwLock = RawProfiledRwLock::new(LockName::UNNAMED);

    type SharedGuard = HoldToken;
    type ExclusiveGuard = HoldToken;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) -> HoldToken {
        // Spelled out rather than through `shared()`: the inlined part stays parking_lot's fast
        // path and one flag test, with no `Option` to unwrap.
        let site = Location::caller();
        if self.raw.lock_shared_fast(false) || self.raw.lock_shared_busy(false) {
            return acquire::acquired(&self.meta, site, Mode::Shared);
        }
        acquired(self.shared_contended(site, false, None))
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> Option<HoldToken> {
        self.try_shared(Location::caller(), false)
    }

    #[inline]
    unsafe fn unlock_shared(&self, token: HoldToken) {
        acquire::release_shared(&self.meta, token, |others| {
            // SAFETY: the caller holds a shared lock (lock_api's contract).
            unsafe { self.raw.unlock_shared_then(others) }
        });
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) -> HoldToken {
        // Spelled out rather than through `exclusive()`: the inlined part stays one attempt and
        // one flag test, with no `Option` to unwrap.
        let site = Location::caller();
        if self.raw.lock_exclusive_fast() {
            return acquire::acquired(&self.meta, site, Mode::Exclusive);
        }
        acquired(self.exclusive_contended(site, None))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> Option<HoldToken> {
        let site = Location::caller();
        if !self.raw.try_lock_exclusive() {
            return None;
        }
        Some(acquire::acquired(&self.meta, site, Mode::Exclusive))
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the exclusive lock.
            unsafe { self.raw.unlock_exclusive(self.woke()) }
        });
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.raw.is_locked_exclusive()
    }
}

// SAFETY: as above; fair unlocking is parking_lot's.
unsafe impl lock_api::RawRwLockFair for RawProfiledRwLock {
    #[inline]
    unsafe fn unlock_shared_fair(&self, token: HoldToken) {
        acquire::release_shared(&self.meta, token, |others| {
            // SAFETY: the caller holds a shared lock. Shared unlocks are always fair.
            unsafe { self.raw.unlock_shared_then(others) }
        });
    }

    #[inline]
    unsafe fn unlock_exclusive_fair(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the exclusive lock.
            unsafe { self.raw.unlock_exclusive_fair() }
        });
    }
}

// SAFETY: as above; the hold continues through the downgrade under the same token.
unsafe impl lock_api::RawRwLockDowngrade for RawProfiledRwLock {
    #[inline]
    unsafe fn downgrade(&self, token: HoldToken) -> HoldToken {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { self.raw.downgrade() };
        token
    }
}

// SAFETY: as above; a timed-out attempt holds nothing.
unsafe impl lock_api::RawRwLockTimed for RawProfiledRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<HoldToken> {
        self.shared_for(Location::caller(), false, timeout)
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.shared(Location::caller(), false, Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.lock_exclusive_fast() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        self.exclusive_contended(site, deadline_after(timeout))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.exclusive(Location::caller(), Some(deadline))
    }
}
