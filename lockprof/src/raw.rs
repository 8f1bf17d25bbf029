//! The raw locks under [`Mutex`](crate::Mutex), [`RwLock`](crate::RwLock),
//! [`Condvar`](crate::Condvar), [`FairMutex`](crate::FairMutex) and
//! [`ReentrantMutex`](crate::ReentrantMutex) (with its [`RawThreadId`]), for code generic over
//! [`lock_api`]'s traits, as `parking_lot::RawMutex` and the others are; also at the crate's
//! root, where parking_lot has them. A lock built by `lock_api` on one of them (its `INIT` has no
//! name) is recorded as `unnamed`; `from_raw` on lockprof's lock types names it after its call
//! site.
//!
//! `lockprof::Mutex<T>` wraps a `lock_api::Mutex<RawMutex, T>` (and `RwLock<T>` a
//! `lock_api::RwLock<RawRwLock, T>`);
//! [`as_lock_api`](crate::ProfiledLock::as_lock_api) lends it to an API that takes any
//! `lock_api` mutex, and acquisitions through it are recorded like any other:
//!
//! ```
//! use lockprof::lock_api;
//!
//! fn bump<R: lock_api::RawMutex>(counter: &lock_api::Mutex<R, u64>) -> u64 {
//!     let mut n = counter.lock();
//!     *n += 1;
//!     *n
//! }
//!
//! let counter = lockprof::Mutex::named("counter", 0);
//! assert_eq!(bump(counter.as_lock_api()), 1);
//! ```
//!
//! A raw lock's acquisitions return a [`HoldToken`], `lock_api`'s per-acquisition guard state:
//! where the lock was taken and whether the hold is timed. Guards keep it; code that locks and
//! unlocks the raw lock itself must hand the same token back.

pub use crate::acquire::HoldToken;
#[cfg(feature = "arc_lock")]
pub use crate::arc_raw::{ArcMutexRaw, ArcRwLockRaw};
pub use crate::condvar::RawCondvar;
pub use crate::raw_fair_mutex::RawFairMutex;
pub use crate::raw_mutex::RawProfiledMutex as RawMutex;
pub use crate::raw_reentrant::RawThreadId;
pub use crate::raw_rwlock::RawProfiledRwLock as RawRwLock;
