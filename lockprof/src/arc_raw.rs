//! What the `Arc` guards (feature `arc_lock`) need of the lock they hold, so that a guard names
//! its lock through the raw lock's type, as lock_api's guards do (`ArcMutexGuard<RawMutex, T>`),
//! and the guards' files need not know the lock types: each lock type's file implements these
//! for its raw lock.

use crate::acquire::HoldToken;

/// Keeps the traits below to lockprof's raw locks: an `Arc` guard must hold a lock whose raw
/// lock records, and give it back the state it handed out.
#[allow(unreachable_pub)] // `pub` to bound public traits; unnameable outside the crate.
pub trait Sealed {}

/// A raw mutex of lockprof's and the mutex type built on it: [`ArcMutexGuard`]`<R, T>` holds an
/// `Arc<R::Mutex<T>>`. Implemented by [`RawMutex`](crate::raw::RawMutex) (for
/// [`Mutex`](crate::Mutex)) and [`RawFairMutex`](crate::raw::RawFairMutex) (for
/// [`FairMutex`](crate::FairMutex)) only.
///
/// [`ArcMutexGuard`]: crate::ArcMutexGuard
pub trait ArcMutexRaw:
    lock_api::RawMutexFair<Guard = HoldToken> + Sized + 'static + Sealed
{
    /// The mutex type on this raw mutex.
    type Mutex<T: ?Sized>: ?Sized;

    /// The raw mutex of `mutex`.
    ///
    /// # Safety
    ///
    /// As `lock_api::Mutex::raw`: operations on it must keep every live guard valid.
    #[doc(hidden)]
    unsafe fn raw_of<T: ?Sized>(mutex: &Self::Mutex<T>) -> &Self;

    /// The data of `mutex`.
    #[doc(hidden)]
    fn data_of<T: ?Sized>(mutex: &Self::Mutex<T>) -> *mut T;
}

/// A raw reader-writer lock of lockprof's and the lock type built on it: the `Arc` guards of
/// [`RwLock`](crate::RwLock) (`ArcRwLockReadGuard<R, T>` and the others) hold an
/// `Arc<R::RwLock<T>>`. Implemented by [`RawRwLock`](crate::raw::RawRwLock) only.
pub trait ArcRwLockRaw:
    lock_api::RawRwLockUpgradeDowngrade
    + lock_api::RawRwLockUpgradeFair
    + lock_api::RawRwLockUpgradeTimed
    + lock_api::RawRwLockDowngrade
    + Sized
    + 'static
    + Sealed
{
    /// The lock type on this raw lock.
    type RwLock<T: ?Sized>: ?Sized;

    /// The raw lock of `lock`.
    ///
    /// # Safety
    ///
    /// As `lock_api::RwLock::raw`: operations on it must keep every live guard valid.
    #[doc(hidden)]
    unsafe fn raw_of<T: ?Sized>(lock: &Self::RwLock<T>) -> &Self;

    /// The data of `lock`.
    #[doc(hidden)]
    fn data_of<T: ?Sized>(lock: &Self::RwLock<T>) -> *mut T;
}
