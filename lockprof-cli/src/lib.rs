//! The `lockprof` command as a library: read lockprof traces (native files or tracing JSON
//! lines), aggregate them per lock, and render reports, histograms and contention flamegraphs.
//!
//! ```no_run
//! use lockprof_cli::{LoadOptions, Source, load, report};
//!
//! let loaded = load(&[Source::File("app.lptrace".into())], &LoadOptions::default())?;
//! let mut profile = loaded.profile;
//! profile.sort(lockprof_cli::SortKey::Wait);
//! report::write_text(&profile, &report::ReportOptions::default(), std::io::stdout())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod aggregation;
mod app;
pub mod cli;
pub mod demo;
mod error;
pub mod escape;
mod model;
mod reading;
mod render;

pub use aggregation::Aggregator;
pub use app::{Io, run};
pub use error::Error;
pub use model::{
    Cell, Distribution, LockProfile, Pair, Profile, SortKey, StackCell, StackUsage, Stats, Usage,
};
pub use reading::{
    JsonInput, JsonStats, LoadOptions, Loaded, MAX_LINE_LEN, Notice, PROGRESS_MIN_BYTES, Source,
    TraceInput, load, read_source,
};
pub use render::{flame, histogram, humanize, report};
