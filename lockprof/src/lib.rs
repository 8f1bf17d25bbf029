//! Drop-in [`parking_lot`](https://docs.rs/parking_lot) locks that record lock contention:
//! how often each lock was contended, how long threads waited for it and held it, and **which
//! thread and which code held it while others waited** (its *blame*).
//!
//! [`Mutex`], [`RwLock`], [`Condvar`], [`FairMutex`] and [`ReentrantMutex`] are parking_lot
//! 0.13's, built on the same [`lock_api`]: the same methods and guards (`MutexGuard::map`,
//! `RwLockUpgradableReadGuard::upgrade`, …), `const` constructors for statics, the same
//! blocking algorithm, and parking_lot's own test suite passes on them (see "Parity with
//! parking_lot" below). Changing `use parking_lot::{Mutex, RwLock}` to
//! `use lockprof::{Mutex, RwLock}` is the whole change; code written for `std::sync` changes
//! `use std::sync::{Mutex, RwLock, Condvar}` to `use lockprof::sync::{Mutex, RwLock, Condvar}`
//! instead ([`sync`]: std's API and poisoning). Each lock also has a name for reports: the one
//! given to [`Mutex::named`](ProfiledLock::named), or where it was created (`file:line`).
//! [`ProfiledLock`], [`ProfiledRwLock`], [`ProfiledFairMutex`] and [`ProfiledReentrantMutex`]
//! are the types `Mutex`, `RwLock`, `FairMutex` and `ReentrantMutex` name.
//!
//! # What it records
//!
//! - For every lock, acquire site and thread: exact counts of acquisitions and contended
//!   acquisitions, the waits (each one long enough as a `wait` event, the others in histograms),
//!   the holds (timed when they follow a wait, when the lock is hot, and one in about 1 024 as a
//!   sample), and blame: the time others spent waiting during each hold, charged to the holder.
//! - Native stacks of the waiters and holders where the time is, span context, and the holder
//!   each wait waited for.
//! - Uncontended acquisitions read no clock and emit nothing: a few dozen instructions over
//!   `parking_lot`'s, so the locks can stay in production builds. Under contention the clock is
//!   read around the wait, and events are emitted after the lock is released, never inside the
//!   critical section.
//!
//! Everything goes out as [`tracing`](https://docs.rs/tracing) events with target `lockprof`.
//! lockprof's own Layer writes them to a compact trace file, which the `lockprof` command line
//! (the `lockprof-cli` crate) turns into reports, histograms and flamegraphs.
//!
//! # Quick start
//!
//! Swap the import, and record a trace for the life of `main`:
//!
//! ```
//! use lockprof::Mutex; // was: use parking_lot::Mutex;
//!
//! static ORDERS: Mutex<Vec<u64>> = Mutex::named("orders", Vec::new());
//!
//! # fn main() {
//! # let dir = std::env::temp_dir().join(format!("lockprof-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # // SAFETY: no other thread runs yet.
//! # unsafe { std::env::set_var(lockprof::config::OUT_ENV, dir.join("orders.lptrace")) };
//! // Writes $LOCKPROF_OUT, or lockprof-<pid>.lptrace; the trace is complete when the guard
//! // is dropped.
//! let guard = lockprof::init();
//! ORDERS.lock().push(7);
//! assert_eq!(ORDERS.lock().len(), 1);
//! drop(guard);
//! # assert!(dir.join("orders.lptrace").exists());
//! # std::fs::remove_dir_all(&dir).ok();
//! # }
//! ```
//!
//! Then `lockprof report lockprof-<pid>.lptrace` prints, per lock, the contention, the waits and
//! holds, who was blamed and where threads waited.
//!
//! A program that already installs a `tracing` subscriber adds lockprof's Layer to it instead of
//! calling [`init()`]: [`layer()`] returns a [`LayerBuilder`], whose `build` gives the
//! [`LockprofLayer`] and the [`FlushGuard`] that completes the trace when dropped.
//!
//! # Reading the events with your own subscriber
//!
//! The events are ordinary `tracing` events, so any subscriber sees them: target
//! [`event::TARGET`] (`"lockprof"`), level `TRACE`, the kind in field [`event::EVENT`] (`wait`,
//! `hold`, `summary`, or `stack` for a native stack's frames), and the other field names as
//! constants in [`event`]. docs/EVENTS.md in the repository is the contract: every field, what is
//! exact and what is estimated, when summaries are flushed. A Layer that adds up the time threads
//! waited:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
//! use std::sync::{Arc, Barrier};
//! use std::time::Duration;
//!
//! use lockprof::event;
//! use tracing::field::{Field, Visit};
//! use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
//!
//! static WAITED_NS: AtomicU64 = AtomicU64::new(0);
//!
//! /// The fields of one lockprof event that this Layer uses.
//! #[derive(Default)]
//! struct Fields {
//!     kind: String,
//!     wait_ns: u64,
//! }
//!
//! impl Visit for Fields {
//!     fn record_str(&mut self, field: &Field, value: &str) {
//!         if field.name() == event::EVENT {
//!             self.kind = value.to_owned();
//!         }
//!     }
//!     fn record_u64(&mut self, field: &Field, value: u64) {
//!         if field.name() == event::WAIT_NS {
//!             self.wait_ns = value;
//!         }
//!     }
//!     fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
//! }
//!
//! struct Waited;
//!
//! impl<S: tracing::Subscriber> Layer<S> for Waited {
//!     fn on_event(&self, e: &tracing::Event<'_>, _: Context<'_, S>) {
//!         if e.metadata().target() == event::TARGET {
//!             let mut fields = Fields::default();
//!             e.record(&mut fields);
//!             if fields.kind == event::WAIT {
//!                 WAITED_NS.fetch_add(fields.wait_ns, Relaxed);
//!             }
//!         }
//!     }
//! }
//!
//! tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Waited)).unwrap();
//! # lockprof::config::set_stack_capture(false); // no symbolization in a doctest
//!
//! static LEDGER: lockprof::Mutex<u64> = lockprof::Mutex::named("ledger", 0);
//! let held = Arc::new(Barrier::new(2));
//! let holder = std::thread::spawn({
//!     let held = Arc::clone(&held);
//!     move || {
//!         let mut ledger = LEDGER.lock();
//!         held.wait();
//!         std::thread::sleep(Duration::from_millis(50));
//!         *ledger += 1;
//!     }
//! });
//! held.wait();
//! *LEDGER.lock() += 1; // waits for the holder: a `wait` event once this thread lets go
//! holder.join().unwrap();
//! lockprof::flush(); // and every thread's summaries, now
//! assert!(WAITED_NS.load(Relaxed) > 0);
//! ```
//!
//! `tracing_subscriber::fmt().json()` writes the events as JSON lines, which the `lockprof`
//! command line reads as well as trace files. Native stacks travel as ids, defined by `stack`
//! events. [`flush()`] emits every thread's pending summaries and events.
//!
//! # Settings
//!
//! [`config`] holds every setting with its default: recording on or off, the threshold from
//! which a wait or hold is an event, the process's event budget, hold sampling, stack capture,
//! and the Layer's output. The process-wide ones can be changed at any time.
//!
//! # Modules
//!
//! - [`config`]: the settings and their defaults.
//! - [`event`]: the events' target, kinds and field names.
//! - [`trace`]: the trace file's reader and writer, for tools of your own
//!   ([`TraceReader`](trace::TraceReader)); docs/FORMAT.md has the bytes.
//! - [`sync`]: drop-in replacements for `std::sync`'s `Mutex`, `RwLock` and `Condvar`, poisoning
//!   included, recorded as the locks above are.
//! - [`raw`]: the raw locks, for code generic over [`lock_api`]'s traits, which is re-exported
//!   so that such code names the version lockprof uses.
//!
//! # Parity with parking_lot
//!
//! parking_lot 0.13's own tests of `Mutex`, `RwLock`, `Condvar`, `FairMutex` and
//! `ReentrantMutex`, its regression tests, its `send_guard` test and its doc examples run on
//! lockprof's types with only their `use` lines changed (`lockprof/tests/parity_*.rs` and
//! `condvar_parity.rs`; the README lists the few exceptions). Every method of parking_lot's
//! lock types is here, and `Debug` prints what parking_lot's does (`Mutex { data: … }`; the
//! name is [`name`](ProfiledLock::name)'s). What differs, and why:
//!
//! - lockprof's locks are structs wrapping a `lock_api` lock, aligned to 128 bytes, not
//!   `lock_api` types themselves: the guards are lock_api's, so `MutexGuard::mutex` (and
//!   `RwLockReadGuard::rwlock`, …) return the `lock_api` lock inside
//!   ([`as_lock_api`](ProfiledLock::as_lock_api)), whose methods are the same and recorded the
//!   same; the `Arc` guards are lockprof's own, with lock_api's methods and generic parameters.
//! - `ReentrantMutex` and its guards are a port of lock_api's, so that its acquire sites are
//!   the caller's; code generic over `lock_api::ReentrantMutex` cannot take it.
//! - `RecursiveRwLock` and `Once` are not here (not locks this profiler measures yet); recursive
//!   reads are [`RwLock::read_recursive`](ProfiledRwLock::read_recursive) and its `try_*` forms,
//!   as in parking_lot 0.12.
//!
//! # Cargo features
//!
//! - `subscriber` (on by default): lockprof's Layer, [`layer()`], [`init()`] and the trace file
//!   they write (pulls in `tracing-subscriber`). Without it the locks still emit their events to
//!   whatever subscriber the program has, and [`trace`] still reads trace files.
//!
//! parking_lot's features, under its names, forwarded to `lock_api` as parking_lot does:
//!
//! - `serde`: `Serialize` and `Deserialize` for every lock (the data, serialized with the lock
//!   held; a deserialized lock is new and named `deserialized`).
//! - `arc_lock`: locking through an `Arc` (`Mutex::lock_arc`, `RwLock::read_arc`,
//!   `read_arc_recursive`, `write_arc`, `upgradable_read_arc`, the `try_` forms) and the guards
//!   `ArcMutexGuard`, `ArcRwLockReadGuard`, `ArcRwLockWriteGuard`,
//!   `ArcRwLockUpgradableReadGuard` and `ArcReentrantMutexGuard`, named as parking_lot's
//!   (`ArcMutexGuard<RawMutex, T>`).
//! - `send_guard`: the guards of `Mutex`, `FairMutex` and `RwLock` are `Send`, so a lock may be
//!   released on another thread than the one that took it; it is recorded as released there.
//!   To that end a contended acquisition records its wait at once, inside the critical section,
//!   instead of after the release (a note kept on the waiting thread could not be found by
//!   another), and a wait's stack is not captured after the hold.
//! - `deadlock_detection`: the locks tell parking_lot_core's deadlock detector which thread
//!   holds what, where parking_lot 0.13's locks do, so that `parking_lot::deadlock::check_deadlock`
//!   (parking_lot 0.13 with its own `deadlock_detection`, or compat/parking_lot's) finds cycles
//!   through them. Not with `send_guard`, as in parking_lot.
//! - `tokio` (off): `lockprof::tokio`, tokio's `Mutex`, `RwLock` and `Semaphore` profiled, their
//!   waits, holds and blame attributed to tasks (the innermost `tracing` span, else the tokio
//!   task id) rather than threads; `use tokio::sync::Mutex` → `use lockprof::tokio::Mutex` is
//!   the whole change. Pulls in `tokio` (features `sync` and `rt`).
#![deny(unsafe_op_in_unsafe_fn)]

// As parking_lot: the detector follows locks from thread to thread, and guards that move
// between threads would defeat it.
#[cfg(all(feature = "send_guard", feature = "deadlock_detection"))]
compile_error!("the `send_guard` and `deadlock_detection` features cannot be used together");

mod acquire;
#[cfg(feature = "arc_lock")]
mod arc_mutex;
#[cfg(feature = "arc_lock")]
mod arc_raw;
#[cfg(feature = "arc_lock")]
mod arc_rwlock;
mod clock;
mod condvar;
pub mod config;
mod deadlock;
mod emit;
pub mod event;
mod fair_mutex;
mod hold_mark;
mod integral;
mod kind;
#[cfg(feature = "subscriber")]
mod layer;
mod lock_word;
mod meta;
mod mutex;
mod mutex_api;
mod name;
mod primitive;
mod rate_limit;
pub mod raw;
mod raw_fair_mutex;
mod raw_mutex;
mod raw_reentrant;
mod raw_rwlock;
mod recorder;
mod relock;
mod remutex;
mod requeued;
mod rwlock;
#[cfg(feature = "arc_lock")]
mod rwlock_arc;
mod rwlock_word;
mod site;
mod stacks;
pub mod sync;
mod task;
mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod trace;

pub use lock_api;

#[cfg(feature = "arc_lock")]
pub use arc_mutex::ArcMutexGuard;
#[cfg(feature = "arc_lock")]
pub use arc_rwlock::{ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard, ArcRwLockWriteGuard};
pub use condvar::Condvar;
pub use fair_mutex::{FairMutexGuard, MappedFairMutexGuard, ProfiledFairMutex};
pub use kind::{LockKind, Mode};
#[cfg(feature = "subscriber")]
pub use layer::{FlushGuard, InitError, LayerBuilder, LockprofLayer, init, layer, try_init};
pub use lock_api::WaitTimeoutResult;
pub use mutex::{MappedMutexGuard, MutexGuard, ProfiledLock};
pub use raw::{RawCondvar, RawFairMutex, RawMutex, RawRwLock, RawThreadId};
#[cfg(feature = "arc_lock")]
pub use remutex::ArcReentrantMutexGuard;
pub use remutex::{MappedReentrantMutexGuard, ProfiledReentrantMutex, ReentrantMutexGuard};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, ProfiledRwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use stacks::{StackStats, stack_stats};

/// `parking_lot::Mutex`'s name for [`ProfiledLock`].
pub type Mutex<T> = ProfiledLock<T>;
/// `parking_lot::RwLock`'s name for [`ProfiledRwLock`].
pub type RwLock<T> = ProfiledRwLock<T>;
/// `parking_lot::FairMutex`'s name for [`ProfiledFairMutex`].
pub type FairMutex<T> = ProfiledFairMutex<T>;
/// `parking_lot::ReentrantMutex`'s name for [`ProfiledReentrantMutex`].
pub type ReentrantMutex<T> = ProfiledReentrantMutex<T>;

/// Emits every thread's pending summary events now (counts, short-wait and short-hold
/// histograms) and their pending events: threads alive (idle or not), threads that have exited,
/// and threads exiting meanwhile. Threads also flush about once a second while the program
/// records (one of them collecting the others). When it returns, everything recorded before the
/// call has reached the subscriber, even what another thread was emitting at the time (it waits
/// for that thread up to a second). The events go to the calling thread's default subscriber:
/// called on a thread that has none (where only a scoped dispatcher is set elsewhere), it emits
/// nothing and leaves everything for a flush on a thread that has one. (Such a thread makes no
/// events of its own either: its waits and holds are in its summaries.)
pub fn flush() {
    recorder::flush();
}
