//! `lockprof report`: a per-lock table of contention, as text, JSON (the
//! `lockprof.report/1` schema) or Markdown.

mod json;
mod markdown;
mod options;
mod rows;
mod text;

pub use json::write_json;
pub use markdown::write_markdown;
pub use options::{DEFAULT_TOP_ROWS, ReportOptions};
pub use text::write_text;
