//! Native stacks of waiters and holders: raw capture on the lock's slow paths, a deduplicating
//! table that gives each distinct stack an id, a process-wide CPU budget, and symbolization off
//! the lock path.
//!
//! On the lock path only instruction pointers are collected (`backtrace::trace_unsynchronized`
//! into a fixed array, ≈ 2–3 µs) and interned; events carry the id. Symbols are resolved once per
//! distinct address, later and elsewhere: by the trace writer's background thread (the lockprof
//! Layer), or when a thread emits a `stack` definition event for subscribers that are not the
//! Layer (JSON logs). Nothing here takes a profiled lock, and nothing is called while the lock
//! whose wait or hold is being recorded is held.

mod capture;
mod define;
mod frames;
mod machinery;
mod pairing;
mod symbolize;
mod table;

pub use capture::{
    DEFAULT_STACK_CAPTURE_RATE, STACKS_ENV, StackStats, set_stack_capture, set_stack_capture_rate,
    stack_capture, stack_stats,
};
pub(crate) use capture::{capture, capture_drawn};
pub(crate) use define::{define_for_subscriber, emit_owed};
pub(crate) use pairing::{holder_stack_for, pack_blamed};
// The Layer's encoder resolves the stacks it writes; nothing else asks by id.
#[cfg(feature = "subscriber")]
pub(crate) use symbolize::symbolized;
pub use table::MAX_STACKS;
pub(crate) use table::StackId;
