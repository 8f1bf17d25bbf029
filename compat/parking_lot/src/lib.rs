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
//! locks lockprof's [`Mutex`], [`RwLock`], [`Condvar`], [`FairMutex`] and [`ReentrantMutex`],
//! which record contention exactly as
//! they do when a program uses them by name: waits, holds and blame, at the acquire site in the
//! dependency's source. Each lock is named after the line that created it (`Mutex::new`,
//! `Default`, `From`, [`const_mutex`], …), so a report reads
//! `…/r2d2-0.8.10/src/lib.rs:374`, not this crate's file.
//!
//! # What is the same, and what is not
//!
//! The types are lockprof's own, re-exported, so everything a caller of parking_lot 0.12's
//! locks writes works unchanged: constructors (`const` ones for statics too), `lock`,
//! `try_lock*`, `read`, `write`, `upgradable_read`, `read_recursive` and their timed forms,
//! `get_mut`, `into_inner`, guards with `map`, `try_map`, `unlocked`, `unlock_fair`, `bump`,
//! upgrades and downgrades, `Condvar`'s waits and notifies, `FairMutex`, `ReentrantMutex`,
//! `Once`, `Debug` (parking_lot's output), `Default`, `From`, and with the features below the
//! `Arc` guards and serde.
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
//! - A lock takes 128 bytes (a `Mutex<u64>`), not 8.
//!
//! A crate that uses any of these fails to build with the patch applied; nothing compiles into
//! different behaviour.
//!
//! # Cargo features
//!
//! parking_lot 0.12's, so that a dependency that enables one still resolves:
//!
//! - `arc_lock`: `lock_arc`, `read_arc`, … and the `Arc*Guard` types (lockprof's `arc_lock`).
//! - `serde`: `Serialize` and `Deserialize` for the locks (lockprof's `serde`).
//! - `send_guard`: guards that may be sent to another thread (lockprof's `send_guard`); not
//!   with `deadlock_detection`, as in parking_lot.
//! - `deadlock_detection`: `deadlock::check_deadlock`, parking_lot_core's detector. lockprof's
//!   locks (its `deadlock_detection`) tell it what each thread holds where parking_lot's do, so
//!   it finds cycles through `Mutex`, `FairMutex`, `ReentrantMutex`, `RwLock` and a `Condvar`'s
//!   mutex, as parking_lot 0.12's own tests check (tests/upstream_deadlock.rs).
//! - `nightly`: parking_lot_core's nightly-only optimisations.
//! - `hardware-lock-elision`: accepted and ignored (parking_lot 0.13, which lockprof's locks
//!   follow, removed it; it changes how critical sections run, not the API).
//! - `owning_ref`: `StableAddress` for the guards.
#![deny(unsafe_op_in_unsafe_fn)]

mod constructors;
#[cfg(feature = "deadlock_detection")]
pub mod deadlock;

pub use lockprof::lock_api;

// As parking_lot 0.12: deadlock detection follows locks from thread to thread, guards that move
// between threads would defeat it.
#[cfg(all(feature = "send_guard", feature = "deadlock_detection"))]
compile_error!("the `send_guard` and `deadlock_detection` features cannot be used together");

pub use constructors::{const_fair_mutex, const_mutex, const_reentrant_mutex, const_rwlock};
pub use lockprof::raw::{RawFairMutex, RawMutex, RawRwLock, RawThreadId};
#[cfg(feature = "arc_lock")]
pub use lockprof::{
    ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
    ArcRwLockWriteGuard,
};
pub use lockprof::{Condvar, WaitTimeoutResult};
pub use lockprof::{FairMutex, FairMutexGuard, MappedFairMutexGuard};
pub use lockprof::{MappedMutexGuard, Mutex, MutexGuard};
pub use lockprof::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
pub use lockprof::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use parking_lot_013::{Once, OnceState};
