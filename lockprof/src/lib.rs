//! Drop-in [`parking_lot`](https://docs.rs/parking_lot) locks that record lock contention:
//! how often each lock was contended, how long threads waited and held it, and **which thread
//! and which code held it while others waited** (its *blame*).
//!
//! # What it records
//!
//! - For every lock, acquire site and thread: exact counts of acquisitions and contended
//!   acquisitions, the waits (each one long enough as a `wait` event, the others in histograms),
//!   the holds (timed when they follow a wait, when the lock is hot, and one in about 1 024 as a
//!   sample), and blame: the time others spent waiting during each hold, charged to the holder.
//! - Native stacks of the waiters and holders where the time is, span context, and the holder
//!   each wait waited for.
//! - Uncontended acquisitions read no clock and emit nothing: a few instructions over
//!   `parking_lot`'s, so the locks can stay in production builds.
//!
//! Everything goes out as [`tracing`](https://docs.rs/tracing) events with target `lockprof`
//! (fields: [`event`], docs/EVENTS.md in the repository). lockprof's own Layer writes them to
//! a compact trace file, which the `lockprof` command line turns into reports and flamegraphs.
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
//! # unsafe { std::env::set_var(lockprof::OUT_ENV, dir.join("orders.lptrace")) };
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
//! A program that already installs a `tracing` subscriber adds [`layer()`] to it instead of
//! calling [`init()`]. Then `lockprof report lockprof-<pid>.lptrace` (the `lockprof-cli`
//! crate) prints where the waiting went.
//!
//! # Reading the events with your own subscriber
//!
//! The events are ordinary `tracing` events at `TRACE` level, so any subscriber sees them:
//! `tracing_subscriber::fmt().json()` prints them as JSON lines, which the command line reads
//! too. Native stacks travel as ids, defined by `stack` events. [`flush()`] emits every thread's
//! pending summaries; the [`config`] functions set what is recorded (recording on or off, the
//! event threshold and budget, hold sampling, stack capture).
//!
//! # Cargo features
//!
//! - `subscriber` (default): lockprof's Layer, [`init()`] and the trace writer (pulls in
//!   `tracing-subscriber`). Without it, the locks still emit their events to whatever
//!   subscriber the program has.
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
mod raw_mutex;
mod raw_rwlock;
mod recorder;
mod rwlock;
mod site;
mod stacks;
mod thread;
pub mod trace;

pub use acquire::HoldToken;
pub use clock::epoch_unix_ns;
pub use condvar::{ProfiledCondvar, RawProfiledCondvar};
pub use config::{
    is_enabled, set_enabled, set_event_rate_limit, set_event_threshold, set_hold_sample_interval,
};
pub use kind::{LockKind, Mode};
#[cfg(feature = "subscriber")]
pub use layer::{
    DEFAULT_BUFFER_EVENTS, DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, FlushGuard, InitError,
    LayerBuilder, LockprofLayer, OUT_ENV, default_path, init, layer, try_init,
};
pub use lock_api::WaitTimeoutResult;
pub use mutex::{MappedMutexGuard, MutexGuard, ProfiledLock};
pub use raw_mutex::RawProfiledMutex;
pub use raw_rwlock::RawProfiledRwLock;
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, ProfiledRwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use stacks::{
    DEFAULT_STACK_CAPTURE_RATE, MAX_STACK_FRAMES, MAX_STACKS, STACKS_ENV, StackStats,
    set_stack_capture, set_stack_capture_rate, stack_capture, stack_stats,
};

/// `parking_lot::Mutex`'s name for [`ProfiledLock`].
pub type Mutex<T> = ProfiledLock<T>;
/// `parking_lot::RwLock`'s name for [`ProfiledRwLock`].
pub type RwLock<T> = ProfiledRwLock<T>;
/// `parking_lot::Condvar`'s name for [`ProfiledCondvar`].
pub type Condvar = ProfiledCondvar;

/// Emits every thread's pending summary events now (counts, short-wait and short-hold
/// histograms) and their pending events: threads alive (idle or not), threads that have exited,
/// and threads exiting meanwhile. Threads also flush about once a second while the program
/// records (one of them collecting the others). When it returns, everything recorded before the
/// call has reached the subscriber, even what another thread was emitting at the time (it waits
/// for that thread up to a second). The events go to the calling thread's default subscriber.
pub fn flush() {
    recorder::flush();
}
