//! Contention flamegraphs.

mod folded;

pub use folded::*;
