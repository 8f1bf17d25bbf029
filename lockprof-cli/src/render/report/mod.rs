//! `lockprof report`: a per-lock table of contention, as text, JSON (the
//! `lockprof.report/1` schema) or Markdown.

mod json;
mod markdown;
mod rows;
mod text;

pub use json::write_json;
pub use markdown::write_markdown;
pub use text::write_text;

/// Rows shown per lock in the holder and site tables of the text and Markdown reports.
pub const DEFAULT_TOP_ROWS: usize = 5;

/// Options of the text and Markdown reports.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Rows per holder/waiter/site table. Defaults to [`DEFAULT_TOP_ROWS`].
    pub top_rows: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            top_rows: DEFAULT_TOP_ROWS,
        }
    }
}

/// What a lock's waiting charged to no hold (`unattributed_ns`, docs/EVENTS.md) is, said after
/// the figure in the text and Markdown reports.
const UNATTRIBUTED_NOTE: &str = "hand-offs between holds, and waiting in storms that no measured \
     hold took; the ~ figures estimate part of it";
