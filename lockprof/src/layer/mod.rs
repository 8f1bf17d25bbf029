//! The `tracing-subscriber` Layer that writes lockprof events to a trace file.
//!
//! The profiled thread only checks the event's target, copies its fields into a small owned
//! message (names usually inline, no allocation) and offers it to a bounded channel; a background
//! thread interns names and writes the file. If the channel is full the event is dropped and
//! counted, never waited for.

mod builder;
mod encode;
mod guard;
mod init;
mod inline_name;
mod lockprof_layer;
mod shared;
mod visitor;
mod writer_thread;

pub use builder::{
    DEFAULT_BUFFER_EVENTS, DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, LayerBuilder, OUT_ENV,
    default_path, layer,
};
pub use guard::FlushGuard;
pub use init::{InitError, init, try_init};
pub use lockprof_layer::LockprofLayer;
