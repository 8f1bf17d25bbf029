//! The reentrant mutex and its guards' types, and the mutex's methods.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use lock_api::GuardNoSend;

use crate::name::LockName;
use crate::raw_mutex::RawProfiledMutex as RawMutex;
use crate::raw_reentrant::{RawReentrantMutex, RawThreadId};

/// A mutual-exclusion lock that the thread holding it may take again, recording contention:
/// parking_lot's `ReentrantMutex`, with the same methods, plus a name and an id.
///
/// A thread that holds it takes it again at once, as many times as it likes; the lock is free
/// again when every guard is dropped. Guards give shared access only (`&T`), since several may
/// be alive at once on one thread: use a `Cell` or `RefCell` inside to change the data.
///
/// Recorded as a [`Mutex`](crate::Mutex) is (the events say `mutex`): waits, holds, blame and
/// acquire sites. A hold is the time from the outermost acquisition to the last release; taking
/// the lock again while holding it is neither a wait nor a hold of its own. Aligned to 128 bytes
/// like `Mutex`, with the owner and count beside the lock word; the data begins on the next
/// 128-byte line (a `ReentrantMutex<u64>` takes 256 bytes).
///
/// ```
/// use std::cell::RefCell;
///
/// let lock = lockprof::ReentrantMutex::named("log", RefCell::new(Vec::new()));
/// let outer = lock.lock();
/// let inner = lock.lock(); // the same thread: no wait
/// inner.borrow_mut().push("nested");
/// drop(inner);
/// outer.borrow_mut().push("outer");
/// drop(outer);
/// assert_eq!(*lock.lock().borrow(), ["nested", "outer"]);
/// ```
// Aligned to a pair of cache lines: see `LockMeta` for the layout.
#[repr(align(128))]
pub struct ProfiledReentrantMutex<T: ?Sized> {
    pub(super) raw: RawReentrantMutex,
    pub(super) data: UnsafeCell<T>,
}

// SAFETY: one thread at a time has access, and only shared access, to the data, which moves
// between threads with the lock (so `T: Send`), as lock_api's and std's reentrant locks.
unsafe impl<T: ?Sized + Send> Sync for ProfiledReentrantMutex<T> {}

/// A guard of a [`ProfiledReentrantMutex`]: releases one acquisition when dropped. lock_api's
/// `ReentrantMutexGuard`; not `Send` (the lock is owned by a thread).
#[clippy::has_significant_drop]
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ReentrantMutexGuard<'a, T: ?Sized> {
    pub(super) remutex: &'a ProfiledReentrantMutex<T>,
    pub(super) marker: PhantomData<(&'a T, GuardNoSend)>,
}

/// A [`ReentrantMutexGuard`] mapped to part of the data (`ReentrantMutexGuard::map`); it cannot
/// be unlocked for a while, only released.
#[clippy::has_significant_drop]
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct MappedReentrantMutexGuard<'a, T: ?Sized> {
    pub(super) raw: &'a RawReentrantMutex,
    pub(super) data: NonNull<T>,
    pub(super) marker: PhantomData<(&'a T, GuardNoSend)>,
}

// SAFETY: the guard gives shared access to the data only, as `&T` would.
unsafe impl<T: ?Sized + Sync> Sync for MappedReentrantMutexGuard<'_, T> {}

/// A guard of a [`ProfiledReentrantMutex`] locked through an `Arc` (`lock_arc`, …): it owns a
/// clone of the `Arc` instead of borrowing the lock. lock_api's `ArcReentrantMutexGuard`, as
/// parking_lot re-exports it, with its parameters: `R` is [`RawMutex`](crate::raw::RawMutex)
/// and `G` [`RawThreadId`](crate::raw::RawThreadId).
#[cfg(feature = "arc_lock")]
#[clippy::has_significant_drop]
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ArcReentrantMutexGuard<R, G, T: ?Sized> {
    pub(super) remutex: std::sync::Arc<ProfiledReentrantMutex<T>>,
    pub(super) marker: PhantomData<(RawTypes<R, G>, GuardNoSend)>,
}

/// `R` and `G` of [`ArcReentrantMutexGuard`]: they change nothing of what the guard is, and,
/// behind `fn`, none of its auto traits.
#[cfg(feature = "arc_lock")]
type RawTypes<R, G> = fn() -> (R, G);

impl<T> ProfiledReentrantMutex<T> {
    /// Creates an unlocked mutex named after the place it is created (`file:line`).
    #[inline]
    #[track_caller]
    pub const fn new(value: T) -> ProfiledReentrantMutex<T> {
        ProfiledReentrantMutex::with_raw(
            RawReentrantMutex::named(LockName::CreatedAt(Location::caller())),
            value,
        )
    }

    /// Creates an unlocked mutex with a name for reports.
    #[inline]
    pub const fn named(name: &'static str, value: T) -> ProfiledReentrantMutex<T> {
        ProfiledReentrantMutex::with_raw(RawReentrantMutex::named(LockName::Given(name)), value)
    }

    const fn with_raw(raw: RawReentrantMutex, value: T) -> ProfiledReentrantMutex<T> {
        ProfiledReentrantMutex {
            raw,
            data: UnsafeCell::new(value),
        }
    }

    /// Creates a mutex on an existing raw mutex, as lock_api's `from_raw`: the lock is the raw
    /// mutex's (its name and id), and one made by lock_api's `INIT` is named after this call.
    #[inline]
    #[track_caller]
    pub const fn from_raw(
        raw_mutex: RawMutex,
        get_thread_id: RawThreadId,
        value: T,
    ) -> ProfiledReentrantMutex<T> {
        let raw_mutex = raw_mutex.or_named_at(Location::caller());
        ProfiledReentrantMutex::with_raw(RawReentrantMutex::new(raw_mutex, get_thread_id), value)
    }

    /// Consumes the mutex and returns the protected value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Consumes the mutex and returns its raw mutex (with the lock's name and id), its thread
    /// id helper and the protected value.
    #[inline]
    pub fn into_inner_with_raw(self) -> (RawMutex, RawThreadId, T) {
        let (raw_mutex, thread_id) = self.raw.into_parts();
        (raw_mutex, thread_id, self.data.into_inner())
    }
}

impl<T: ?Sized> ProfiledReentrantMutex<T> {
    /// Makes a guard for an acquisition the current thread already holds, as lock_api's.
    ///
    /// # Safety
    ///
    /// This thread must hold the lock for an acquisition no other guard stands for (unless
    /// forgotten with `mem::forget`), and existing references to the data must stay valid.
    #[inline]
    pub unsafe fn make_guard_unchecked(&self) -> ReentrantMutexGuard<'_, T> {
        ReentrantMutexGuard {
            remutex: self,
            marker: PhantomData,
        }
    }

    /// Acquires the mutex, blocking while another thread holds it; a thread that holds it
    /// takes it again at once. Panics if the count of nested acquisitions overflows.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T> {
        self.raw.lock();
        // SAFETY: this thread holds the lock, for this new acquisition.
        unsafe { self.make_guard_unchecked() }
    }

    /// Acquires the mutex if it is free now or this thread holds it.
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T>> {
        // SAFETY: as in `lock`, when it succeeded.
        self.raw
            .try_lock()
            .then(|| unsafe { self.make_guard_unchecked() })
    }

    /// Acquires the mutex, waiting at most `timeout` for another thread to release it.
    #[inline]
    #[track_caller]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<ReentrantMutexGuard<'_, T>> {
        // SAFETY: as in `lock`, when it succeeded.
        self.raw
            .try_lock_for(timeout)
            .then(|| unsafe { self.make_guard_unchecked() })
    }

    /// Acquires the mutex, waiting until `deadline` at most.
    #[inline]
    #[track_caller]
    pub fn try_lock_until(&self, deadline: Instant) -> Option<ReentrantMutexGuard<'_, T>> {
        // SAFETY: as in `lock`, when it succeeded.
        self.raw
            .try_lock_until(deadline)
            .then(|| unsafe { self.make_guard_unchecked() })
    }

    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    #[inline]
    pub const fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Whether any thread holds the mutex now (a momentary snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// Whether this thread holds the mutex.
    #[inline]
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.raw.is_owned_by_current_thread()
    }

    /// Releases one acquisition of this thread's whose guard was forgotten (`mem::forget`).
    ///
    /// # Safety
    ///
    /// This thread must hold the lock for an acquisition no live guard stands for, and
    /// releasing it must not invalidate references to the data still in use.
    #[inline]
    pub unsafe fn force_unlock(&self) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.raw.unlock() }
    }

    /// As [`force_unlock`](Self::force_unlock), unlocking fairly if it is the last.
    ///
    /// # Safety
    ///
    /// As for [`force_unlock`](Self::force_unlock).
    #[inline]
    pub unsafe fn force_unlock_fair(&self) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.raw.unlock_fair() }
    }

    /// The raw mutex under the reentrancy, for use with lock_api's raw traits.
    ///
    /// # Safety
    ///
    /// As lock_api's `ReentrantMutex::raw`: operations on it must keep every live guard valid
    /// and the owner and count right.
    #[inline]
    pub unsafe fn raw(&self) -> &RawMutex {
        self.raw.mutex()
    }

    /// A raw pointer to the protected data.
    #[inline]
    pub const fn data_ptr(&self) -> *mut T {
        self.data.get()
    }

    /// The process-unique id of this lock (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        self.raw.meta().id()
    }

    /// The name of this lock in events and reports.
    pub fn name(&self) -> String {
        self.raw.meta().name.to_string()
    }
}

impl<T: Default> Default for ProfiledReentrantMutex<T> {
    #[inline]
    #[track_caller]
    fn default() -> ProfiledReentrantMutex<T> {
        ProfiledReentrantMutex::new(T::default())
    }
}

impl<T> From<T> for ProfiledReentrantMutex<T> {
    #[inline]
    #[track_caller]
    fn from(value: T) -> ProfiledReentrantMutex<T> {
        ProfiledReentrantMutex::new(value)
    }
}

/// As parking_lot's: `ReentrantMutex { data: … }`, or `ReentrantMutex { data: <locked> }` when
/// another thread holds it. The name is [`name`](ProfiledReentrantMutex::name)'s.
impl<T: ?Sized + fmt::Debug> fmt::Debug for ProfiledReentrantMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantMutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// As parking_lot's: the data, serialized with the lock held.
#[cfg(feature = "serde")]
impl<T: ?Sized + serde::Serialize> serde::Serialize for ProfiledReentrantMutex<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.lock().serialize(serializer)
    }
}

/// As parking_lot's: a new unlocked mutex of the data, named `deserialized`.
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ProfiledReentrantMutex<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer)
            .map(|value| ProfiledReentrantMutex::named("deserialized", value))
    }
}
