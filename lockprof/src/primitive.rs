//! The atomics the waiting integral is built on. `lockprof-loom/tests/integral.rs` compiles
//! `integral.rs` against its own `primitive` module backed by loom, which explores every
//! interleaving; the library always uses std's.

pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
