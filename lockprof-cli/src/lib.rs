//! The `lockprof` command as a library: read lockprof traces (trace files or tracing JSON
//! lines), aggregate them per lock, and render reports, histograms, contention flamegraphs,
//! pprof profiles, timelines, HTML pages, and diffs of two runs.
//!
//! The stages, each a directory: reading (`reading/`: [`Source`]s, [`TraceInput`],
//! [`JsonInput`]) → aggregation (`aggregation/`: the [`Aggregator`]) → the model (`model/`:
//! [`Profile`]) → for `diff`, the comparison of two profiles ([`compare`]) → rendering
//! (`render/`: [`report`], [`histogram`], [`flame`], [`pprof`], [`timeline`], [`html`],
//! [`diff`]). Imports go one way: the readers feed the aggregator its typed events, the
//! aggregator builds the model, and the renderers read the model (or the comparison), which
//! imports none of the stages. [`load`] runs the first three, [`run`] a whole command line
//! ([`cli`]).
//!
//! ```no_run
//! use lockprof_cli::{LoadOptions, Source, load, report};
//!
//! let loaded = load(&[Source::File("app.lptrace".into())], &LoadOptions::default())?;
//! let mut profile = loaded.profile;
//! profile.group_classes(); // one entry per lock name, as the command shows by default
//! profile.sort(lockprof_cli::SortKey::Wait);
//! report::write_text(&profile, &report::ReportOptions::default(), std::io::stdout())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod aggregation;
mod app;
pub mod cli;
pub mod compare;
mod demo;
mod error;
mod escape;
mod model;
mod reading;
mod render;

pub use aggregation::Aggregator;
pub use app::{Io, Loaded, Outcome, load, run};
pub use error::Error;
pub use model::{
    CausedWaits, Cell, Distribution, Grouping, LockProfile, MODES, NameIdx, Pair, Part, Profile,
    SitePart, SortKey, StackCell, StackUsage, Stats, TimedEvent, TimedKind, Timeline, Usage,
    mode_name,
};
pub use reading::{JsonInput, JsonStats, LoadOptions, MAX_LINE_LEN, Notice, Source, TraceInput};
pub use render::{diff, flame, histogram, html, humanize, pprof, report, timeline};
