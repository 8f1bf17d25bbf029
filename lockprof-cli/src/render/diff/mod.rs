//! `lockprof diff`: two runs compared (a [`Comparison`](crate::compare::Comparison)), per lock
//! class and acquire site, before, after and change, as text, JSON (schema `lockprof.diff/1`) or
//! Markdown; and the differential flamegraph of the two runs' stacks.

mod columns;
mod flame;
mod json;
mod markdown;
mod options;
mod text;

pub use columns::regression_line;
pub use flame::write_diff_flamegraph;
pub use json::write_json;
pub use markdown::write_markdown;
pub use options::DiffOptions;
pub use text::write_text;
