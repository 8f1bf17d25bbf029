//! Renderers shared by several commands.

use std::io::{self, Write};

use crate::Profile;
use crate::cli::ReportFormat;
use crate::report::{self, ReportOptions, write_json, write_markdown};

/// The report of `profile` in `format`.
pub(super) fn write_report(
    profile: &Profile,
    format: ReportFormat,
    out: impl Write,
) -> io::Result<()> {
    let opts = ReportOptions::default();
    match format {
        ReportFormat::Text => report::write_text(profile, &opts, out),
        ReportFormat::Json => write_json(profile, out),
        ReportFormat::Markdown => write_markdown(profile, &opts, out),
    }
}
