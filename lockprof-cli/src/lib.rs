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

// Temporary aliases while the files move into their stages.
use aggregation::{
    aggregator as aggregate, distribution_builder as dist_builder, intern, pairing as stacks,
};
use reading as input;
use reading::{id_table, json_lines, trace_file as native};
pub use render::{flame, histogram, humanize, report};

pub use aggregate::{Aggregator, MAX_SUMMARY_COUNT, MAX_WEIGHT};
pub use app::{Io, run};
pub use error::Error;
pub use input::{LoadOptions, Loaded, Notice, PROGRESS_MIN_BYTES, Source, load, read_source};
pub use json_lines::{JsonInput, JsonStats, MAX_LINE_LEN};
pub use model::{
    Cell, Distribution, LockProfile, Pair, Profile, SortKey, StackCell, StackUsage, Stats, Usage,
};
pub use native::NativeInput;
pub use stacks::{MAX_PAIRING, TRUNCATED_FRAME};
