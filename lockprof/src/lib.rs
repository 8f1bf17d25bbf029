//! lockprof: drop-in `parking_lot` locks that record lock contention.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod event;
mod kind;
pub mod trace;

pub use kind::{LockKind, Mode};
