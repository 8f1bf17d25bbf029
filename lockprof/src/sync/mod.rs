//! Drop-in replacements for `std::sync`'s locks that record contention:
//! `use std::sync::{Mutex, RwLock, Condvar}` becomes `use lockprof::sync::{Mutex, RwLock,
//! Condvar}`, and nothing else changes.
//!
//! The types have std's methods, signatures, trait implementations and semantics, poisoning
//! included: [`lock`](Mutex::lock) returns a [`LockResult`], a panic while holding a guard
//! poisons the lock, [`is_poisoned`](Mutex::is_poisoned), [`clear_poison`](Mutex::clear_poison),
//! [`into_inner`](Mutex::into_inner) and [`get_mut`](Mutex::get_mut) behave as std's, and the
//! constructors are `const`, for statics. The result and error types are std's own
//! ([`PoisonError`], [`TryLockError`], [`LockResult`], [`TryLockResult`],
//! [`WaitTimeoutResult`], re-exported), so code that names or matches on them is unchanged.
//! std's unstable additions (mapped guards, `get_cloned`, `set`, `replace`, `data_ptr`) are not
//! provided.
//!
//! Underneath are lockprof's profiled locks ([`crate::Mutex`], [`crate::RwLock`],
//! [`crate::Condvar`]), so acquisitions are recorded as theirs are: waits, holds, blame and the
//! acquire site (the `file:line` that called `lock`, `read`, `write` or `try_*`), under the
//! lock's name (the `file:line` that created it, or the one given to [`Mutex::named`]). The
//! uncontended path reads no clock and emits nothing, as theirs; the poisoning adds what std's
//! adds (a look at the panic count and at the flag).
//!
//! Differences from std that a program can observe are those of the algorithm underneath,
//! parking_lot's, all within what std documents as unspecified: the condition variable has no
//! spurious wake-ups and panics if used with two mutexes at once; a thread that read-locks an
//! `RwLock` twice while a writer waits deadlocks (parking_lot lets no reader in while a writer
//! waits); a thread that locks a `Mutex` it holds deadlocks rather than panicking. Each lock is
//! aligned to 128 bytes, as lockprof's are (a `Mutex<u64>` takes 128 bytes).
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//!
//! use lockprof::sync::{Condvar, Mutex}; // was: use std::sync::{Condvar, Mutex};
//!
//! static JOBS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
//!
//! let ready = Arc::new((Mutex::new(false), Condvar::new()));
//! let worker = thread::spawn({
//!     let ready = Arc::clone(&ready);
//!     move || {
//!         JOBS.lock().unwrap().push(1);
//!         *ready.0.lock().unwrap() = true;
//!         ready.1.notify_one();
//!     }
//! });
//! let (lock, cvar) = &*ready;
//! let _done = cvar.wait_while(lock.lock().unwrap(), |done| !*done).unwrap();
//! assert_eq!(*JOBS.lock().unwrap(), [1]);
//! worker.join().unwrap();
//! ```

mod condvar;
mod mutex;
mod mutex_guard;
mod poison;
mod rwlock;
mod rwlock_guards;
mod wait_result;

pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};

pub use condvar::Condvar;
pub use mutex::Mutex;
pub use mutex_guard::MutexGuard;
pub use rwlock::RwLock;
pub use rwlock_guards::{RwLockReadGuard, RwLockWriteGuard};
