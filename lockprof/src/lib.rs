//! Drop-in [`parking_lot`](https://docs.rs/parking_lot) locks that record lock contention:
//! how often each lock was contended, how long threads waited for it and held it, and **which
//! thread and which code held it while others waited** (its *blame*).
//!
//! [`Mutex`], [`RwLock`] and [`Condvar`] are parking_lot's, built on the same [`lock_api`]:
//! the same methods and guards (`MutexGuard::map`, `RwLockUpgradableReadGuard::upgrade`, …),
//! `const` constructors for statics, the same blocking algorithm. Changing
//! `use parking_lot::{Mutex, RwLock}` to `use lockprof::{Mutex, RwLock}` is the whole change.
//! Each lock also has a name for reports: the one given to [`Mutex::named`](ProfiledLock::named),
//! or where it was created (`file:line`). [`ProfiledLock`] and [`ProfiledRwLock`] are the types
//! `Mutex` and `RwLock` name.
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
//! - [`raw`]: the raw locks, for code generic over [`lock_api`]'s traits, which is re-exported
//!   so that such code names the version lockprof uses.
//!
//! # Cargo features
//!
//! - `subscriber` (on by default): lockprof's Layer, [`layer()`], [`init()`] and the trace file
//!   they write (pulls in `tracing-subscriber`). Without it the locks still emit their events to
//!   whatever subscriber the program has, and [`trace`] still reads trace files.
//! - `tokio` (off): `lockprof::tokio`, tokio's `Mutex`, `RwLock` and `Semaphore` profiled, their
//!   waits, holds and blame attributed to tasks (the innermost `tracing` span, else the tokio
//!   task id) rather than threads; `use tokio::sync::Mutex` → `use lockprof::tokio::Mutex` is
//!   the whole change. Pulls in `tokio` (features `sync` and `rt`).
#![deny(unsafe_op_in_unsafe_fn)]

mod acquire;
mod clock;
mod condvar;
pub mod config;
mod emit;
pub mod event;
mod hold_mark;
mod integral;
mod kind;
#[cfg(feature = "subscriber")]
mod layer;
mod lock_word;
mod meta;
mod mutex;
mod name;
mod primitive;
mod rate_limit;
pub mod raw;
mod raw_mutex;
mod raw_rwlock;
mod recorder;
mod requeued;
mod rwlock;
mod site;
mod stacks;
mod task;
mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod trace;

pub use lock_api;

pub use condvar::Condvar;
pub use kind::{LockKind, Mode};
#[cfg(feature = "subscriber")]
pub use layer::{FlushGuard, InitError, LayerBuilder, LockprofLayer, init, layer, try_init};
pub use lock_api::WaitTimeoutResult;
pub use mutex::{MappedMutexGuard, MutexGuard, ProfiledLock};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, ProfiledRwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use stacks::{StackStats, stack_stats};

/// `parking_lot::Mutex`'s name for [`ProfiledLock`].
pub type Mutex<T> = ProfiledLock<T>;
/// `parking_lot::RwLock`'s name for [`ProfiledRwLock`].
pub type RwLock<T> = ProfiledRwLock<T>;

/// Emits every thread's pending summary events now (counts, short-wait and short-hold
/// histograms) and their pending events: threads alive (idle or not), threads that have exited,
/// and threads exiting meanwhile. Threads also flush about once a second while the program
/// records (one of them collecting the others). When it returns, everything recorded before the
/// call has reached the subscriber, even what another thread was emitting at the time (it waits
/// for that thread up to a second). The events go to the calling thread's default subscriber.
pub fn flush() {
    recorder::flush();
}
