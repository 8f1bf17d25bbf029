//! pprof profiles: a view's stacks as Go's block profile (`wait`) or mutex profile (`blame`),
//! for `go tool pprof`, Pyroscope and every tool that reads pprof. The stacks are the
//! flamegraphs' (the shared `stack_path`); `build.rs` turns them into the messages of
//! `proto.rs` through the string, function and location `tables.rs`, and `write.rs` gzips them.

mod build;
mod proto;
mod tables;
#[cfg(test)]
mod tests;
mod view;
mod write;

pub use view::PprofView;
pub use write::{PprofOptions, write_pprof};
