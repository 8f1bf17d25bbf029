//! Options of the text and Markdown reports.

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
