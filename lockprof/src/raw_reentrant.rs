//! The raw reentrant mutex under [`ReentrantMutex`](crate::ReentrantMutex): lock_api's
//! `RawReentrantMutex` (an owner, a count, and the outermost acquisition's state) over lockprof's
//! raw mutex, so that only the outermost acquisition and release reach the profiled mutex, and are
//! recorded, as a `Mutex`'s. lock_api's own type would do, but it calls its inner lock from a
//! closure, which `#[track_caller]` does not see through: every acquire site would be lock_api's
//! line. Here the inner lock is called from `#[track_caller]` functions only.

use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::num::NonZeroUsize;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use lock_api::{GetThreadId, RawMutex as _, RawMutexFair as _, RawMutexTimed as _};

use crate::acquire::HoldToken;
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::raw_mutex::RawProfiledMutex;

/// parking_lot's `RawThreadId`: the `GetThreadId` of [`ReentrantMutex`](crate::ReentrantMutex),
/// the address of a thread-local, unique among live threads.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawThreadId;

// SAFETY: a thread-local's address is unique among live threads and, for one thread, the same
// on every call; it is not zero (the variable has a size, so it has an address of its own).
unsafe impl GetThreadId for RawThreadId {
    const INIT: RawThreadId = RawThreadId;

    #[inline]
    fn nonzero_thread_id(&self) -> NonZeroUsize {
        thread_local!(static KEY: u8 = const { 0 });
        KEY.with(|key| {
            NonZeroUsize::new(std::ptr::from_ref(key).addr())
                .expect("a thread-local has a non-zero address")
        })
    }
}

/// The owner, the recursion count and the outermost acquisition's token, beside the profiled
/// mutex. `repr(C)` with the mutex first, so that its bookkeeping begins the lock as `LockMeta`'s
/// layout expects.
#[repr(C)]
pub(crate) struct RawReentrantMutex {
    mutex: RawProfiledMutex,
    /// The owner's `RawThreadId` (0: none).
    owner: AtomicUsize,
    /// Acquisitions the owner has not released; only the owner reads or writes it.
    count: Cell<usize>,
    /// The outermost acquisition's token while owned; only the owner reads or writes it.
    token: UnsafeCell<MaybeUninit<HoldToken>>,
    thread_id: RawThreadId,
}

// SAFETY: `count` and `token` are only touched by the thread that owns the mutex, which the
// mutex itself hands from thread to thread with acquire and release ordering; a token left in a
// mutex that is moved or dropped while owned is leaked, as a forgotten guard's would be.
unsafe impl Send for RawReentrantMutex {}
// SAFETY: as above.
unsafe impl Sync for RawReentrantMutex {}

impl RawReentrantMutex {
    pub(crate) const fn new(mutex: RawProfiledMutex, thread_id: RawThreadId) -> RawReentrantMutex {
        RawReentrantMutex {
            mutex,
            owner: AtomicUsize::new(0),
            count: Cell::new(0),
            token: UnsafeCell::new(MaybeUninit::uninit()),
            thread_id,
        }
    }

    /// A new unlocked reentrant mutex named `name`.
    pub(crate) const fn named(name: LockName) -> RawReentrantMutex {
        RawReentrantMutex::new(RawProfiledMutex::new(name), RawThreadId)
    }

    /// The profiled mutex and the thread id helper, for `into_inner_with_raw`. A token left in
    /// it (an owner's guard forgotten) is leaked.
    pub(crate) fn into_parts(self) -> (RawProfiledMutex, RawThreadId) {
        (self.mutex, self.thread_id)
    }

    /// The profiled mutex: the lock's raw mutex, whose acquisitions are the outermost ones.
    pub(crate) fn mutex(&self) -> &RawProfiledMutex {
        &self.mutex
    }

    pub(crate) fn meta(&self) -> &LockMeta {
        self.mutex.meta()
    }

    fn this_thread(&self) -> usize {
        self.thread_id.nonzero_thread_id().get()
    }

    /// Counts another acquisition by the owner, if this thread owns the mutex: no wait, no hold.
    #[inline]
    fn reenter(&self) -> bool {
        if self.owner.load(Relaxed) != self.this_thread() {
            return false;
        }
        let count = self.count.get().checked_add(1);
        self.count
            .set(count.expect("ReentrantMutex lock count overflow"));
        true
    }

    /// The mutex was just acquired with `token`: this thread owns it once.
    #[inline]
    fn entered(&self, token: HoldToken) {
        // SAFETY: the mutex is held by this thread, the only one to touch the token now.
        unsafe { (*self.token.get()).write(token) };
        self.owner.store(self.this_thread(), Relaxed);
        debug_assert_eq!(self.count.get(), 0);
        self.count.set(1);
    }

    /// Acquires the mutex (at the caller's site), or counts one more acquisition by its owner.
    #[inline]
    #[track_caller]
    pub(crate) fn lock(&self) {
        if !self.reenter() {
            self.entered(self.mutex.lock());
        }
    }

    /// Acquires the mutex as if at `site`, or counts one more acquisition by its owner (for a
    /// guard taking the lock back after `unlocked`).
    pub(crate) fn lock_at(&self, site: &'static Location<'static>) {
        if !self.reenter() {
            self.entered(self.mutex.lock_at(site));
        }
    }

    /// [`lock`](Self::lock) if the mutex is free now or this thread owns it.
    #[inline]
    #[track_caller]
    pub(crate) fn try_lock(&self) -> bool {
        self.reenter()
            || self
                .mutex
                .try_lock()
                .map(|token| self.entered(token))
                .is_some()
    }

    /// [`lock`](Self::lock), waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub(crate) fn try_lock_for(&self, timeout: Duration) -> bool {
        self.reenter()
            || self
                .mutex
                .try_lock_for(timeout)
                .map(|token| self.entered(token))
                .is_some()
    }

    /// [`lock`](Self::lock), waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub(crate) fn try_lock_until(&self, deadline: Instant) -> bool {
        self.reenter()
            || self
                .mutex
                .try_lock_until(deadline)
                .map(|token| self.entered(token))
                .is_some()
    }

    /// One release by the owner: the outermost gives the token back to the profiled mutex
    /// (fairly if `fair`).
    ///
    /// # Safety
    ///
    /// This thread must own the mutex.
    unsafe fn release(&self, fair: bool) {
        let count = self.count.get() - 1;
        self.count.set(count);
        if count == 0 {
            self.owner.store(0, Relaxed);
            // SAFETY: the owner's outermost acquisition left its token here; it is taken once.
            let token = unsafe { (*self.token.get()).assume_init_read() };
            // SAFETY: the token is the profiled mutex's current acquisition.
            unsafe {
                if fair {
                    self.mutex.unlock_fair(token);
                } else {
                    self.mutex.unlock(token);
                }
            }
        }
    }

    /// Releases one acquisition; the outermost unlocks the mutex.
    ///
    /// # Safety
    ///
    /// This thread must own the mutex.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.release(false) }
    }

    /// As [`unlock`](Self::unlock), the outermost unlocking fairly.
    ///
    /// # Safety
    ///
    /// This thread must own the mutex.
    #[inline]
    pub(crate) unsafe fn unlock_fair(&self) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.release(true) }
    }

    /// Lets a waiting thread have the mutex and takes it back, if this thread holds it once
    /// (nested acquisitions keep it, as lock_api's).
    ///
    /// # Safety
    ///
    /// This thread must own the mutex.
    pub(crate) unsafe fn bump(&self) {
        if self.count.get() != 1 {
            return;
        }
        // Other threads may own the mutex, and use the token's cell, during the bump.
        let mut owned = Owned {
            raw: self,
            id: self.owner.load(Relaxed),
            // SAFETY: this thread owns the mutex, and its token is in the cell.
            token: Some(unsafe { (*self.token.get()).assume_init_read() }),
        };
        self.owner.store(0, Relaxed);
        self.count.set(0);
        if let Some(token) = &mut owned.token {
            // SAFETY: the token is the profiled mutex's current acquisition; `bump` leaves the
            // mutex held by this thread, with the new state in `token`, even if it unwinds.
            unsafe { self.mutex.bump(token) };
        }
    }

    /// Whether any thread holds the mutex now (a momentary snapshot).
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.mutex.is_locked()
    }

    /// Whether this thread holds the mutex.
    #[inline]
    pub(crate) fn is_owned_by_current_thread(&self) -> bool {
        self.owner.load(Relaxed) == self.this_thread()
    }
}

/// Makes the bumping thread the owner again, with its new token, once the bump is over, on
/// return or unwind (lock_api's bump leaves the mutex held either way).
struct Owned<'a> {
    raw: &'a RawReentrantMutex,
    id: usize,
    token: Option<HoldToken>,
}

impl Drop for Owned<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            // SAFETY: this thread holds the mutex again; nobody else touches the cell.
            unsafe { (*self.raw.token.get()).write(token) };
            self.raw.owner.store(self.id, Relaxed);
            self.raw.count.set(1);
        }
    }
}

impl std::fmt::Debug for RawReentrantMutex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawReentrantMutex")
            .field("mutex", &self.mutex)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}
