//! lockprof: drop-in `parking_lot` locks that record lock contention.
#![deny(unsafe_op_in_unsafe_fn)]

mod acquire;
mod clock;
mod condvar;
pub mod config;
mod emit;
pub mod event;
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
