//! parking_lot 0.12's API on [`lockprof`]'s profiled locks, to profile the locks inside
//! your dependencies without changing their code.
//!
//! This crate is named `parking_lot` and versioned 0.12.5 so that it can stand in for
//! parking_lot 0.12 in a whole dependency tree. In the program's `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! lockprof = { path = "…/lockprof/lockprof" }
//!
//! [patch.crates-io]
//! parking_lot = { path = "…/lockprof/compat/parking_lot" }
//! ```
//!
//! and `let _guard = lockprof::init();` at the start of `main`. Every crate in the tree that
//! depends on `parking_lot = "0.12"` (tokio with its `parking_lot` feature, r2d2, …) then
//! locks lockprof's [`Mutex`], [`RwLock`] and [`Condvar`], which record contention exactly as
//! they do when a program uses them by name: waits, holds and blame, at the acquire site in the
//! dependency's source. Each lock is named after the line that created it (`Mutex::new`,
//! `Default`, `From`, [`const_mutex`], …), so a report reads
//! `…/r2d2-0.8.10/src/lib.rs:374`, not this crate's file.
//!
//! # What is the same, and what is not
//!
//! The types are lockprof's own, re-exported, so everything a caller of parking_lot 0.12's
//! locks writes works unchanged: constructors (`const` ones for statics too), `lock`,
//! `try_lock*`, `read`, `write`, `upgradable_read` and their timed forms, `get_mut`,
//! `into_inner`, guards with `map`, `try_map`, `unlocked`, `unlock_fair`, `bump`, upgrades and
//! downgrades, `Condvar`'s waits and notifies, `Once`, `Debug`, `Default`, `From`.
//!
//! What differs is the layer below, [`lock_api`], which is the 0.5 that lockprof is built on,
//! not parking_lot 0.12's 0.4:
//!
//! - Code that names the generic type, `lock_api::Mutex<parking_lot::RawMutex, T>`, for
//!   `parking_lot::Mutex<T>` does not compile: [`Mutex`] is lockprof's type, which wraps a
//!   `lock_api::Mutex` (`as_lock_api` lends it), because that is what lets `Mutex::new` know
//!   where it was called.
//! - The raw locks ([`RawMutex`], [`RawRwLock`]) implement lock_api 0.5's raw traits, whose
//!   acquisitions return per-acquisition state that the unlock takes back. Code that drives a raw
//!   lock with lock_api 0.4's traits (`RawMutex::INIT`, `raw.lock()` then `raw.unlock()`), or
//!   calls `force_unlock()` without that state, does not compile.
//! - `RwLock::read_recursive` and its `try_*` forms are missing: lockprof's reader-writer lock
//!   has no mode that lets a reader past a waiting writer.
//! - A lock takes 128 bytes (a `Mutex<u64>`), not 8, and its `Debug` output includes its name.
//!
//! A crate that uses any of these fails to build with the patch applied; nothing compiles into
//! different behaviour.
//!
//! Not yet here: `FairMutex`, `ReentrantMutex` (with `RawFairMutex`, `RawThreadId` and their
//! `const_*` functions) and what the `arc_lock`, `serde` and `send_guard` features add. They come
//! with lockprof's own versions of them; until then the features are accepted and add nothing,
//! and a crate that uses these items does not build with the patch.
//!
//! # Cargo features
//!
//! parking_lot 0.12's, so that a dependency that enables one still resolves:
//!
//! - `deadlock_detection`: `deadlock::check_deadlock`, parking_lot_core's detector. It finds
//!   cycles only through locks that tell it what they hold; lockprof's `RwLock` (parking_lot's
//!   own underneath) does, its `Mutex` does not, so a cycle through a mutex goes unreported.
//! - `nightly`: parking_lot_core's nightly-only optimisations.
//! - `hardware-lock-elision`: accepted and ignored (parking_lot 0.13, which lockprof's locks
//!   follow, removed it; it changes how critical sections run, not the API).
//! - `owning_ref`: `StableAddress` for the guards.
#![deny(unsafe_op_in_unsafe_fn)]

mod constructors;
#[cfg(feature = "deadlock_detection")]
pub mod deadlock;

pub use lockprof::lock_api;

pub use constructors::{const_mutex, const_rwlock};
pub use lockprof::raw::{RawMutex, RawRwLock};
pub use lockprof::{Condvar, WaitTimeoutResult};
pub use lockprof::{MappedMutexGuard, Mutex, MutexGuard};
pub use lockprof::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use parking_lot_013::{Once, OnceState};
