//! The command line: subcommands and their arguments (clap).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::compare::Threshold;

mod values;

pub use values::{
    FramesArg, HistogramFormat, MetricArg, PprofViewArg, ReportFormat, SortArg, ViewArg,
};

/// Reports, histograms and flamegraphs of lock contention from lockprof traces.
#[derive(Debug, Parser)]
#[command(name = "lockprof", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-lock table: contention, wait and hold percentiles, blame, top holders and sites.
    Report(ReportArgs),
    /// Distribution of waits, holds or blame: an ASCII histogram, or .hgrm text.
    Histogram(HistogramArgs),
    /// Contention flamegraph as SVG (search and zoom work in a browser).
    Flamegraph(FlamegraphArgs),
    /// The flamegraph's stacks as folded text (for inferno, flamegraph.pl, speedscope).
    Folded(FoldedArgs),
    /// The flamegraph's stacks as a pprof profile (for go tool pprof, Pyroscope).
    ///
    /// Gzipped protobuf shaped like Go's block profile (`--view wait`) or mutex profile
    /// (`--view blame`): sample types contentions/count and delay/nanoseconds.
    Pprof(PprofArgs),
    /// Waits and holds in time, as Chrome trace-event JSON (Perfetto UI, chrome://tracing).
    ///
    /// A track per thread, a slice per wait event and per hold event that made others wait,
    /// and an arrow from each such hold to each wait it caused. Waits and holds too short to be
    /// events are only summarised, without times, and are not shown.
    Timeline(TimelineArgs),
    /// One self-contained HTML page: the report, histograms, flamegraphs, who waited on whom.
    ///
    /// A sortable table of the locks, each lock's wait and hold histograms (by count and by
    /// time), the wait and blame flamegraphs, the waiter ← holder pairs and the trace's facts;
    /// styles, scripts and pictures inline, so the file opens anywhere with no network.
    Html(HtmlArgs),
    /// Compare two runs per lock and acquire site; fail when a figure grows past a threshold.
    ///
    /// Before, after and change of acquisitions, contention, waits (total, p50, p99, max), hold
    /// p99 and blame, per lock class and acquire site. With `--fail-on wait.p99=+20%` it exits
    /// with code 1, naming the lock, when a lock's figure grew by more than that (0 otherwise; 2
    /// stays for errors).
    Diff(DiffArgs),
    /// Run a built-in contended workload; write its trace, report, flamegraphs, HTML page and
    /// pprof profile.
    Demo(DemoArgs),
}

/// The traces to read, and how their locks are listed.
#[derive(Debug, Args)]
pub struct Inputs {
    /// Native traces or tracing JSON-lines logs; several are merged; `-` reads stdin.
    #[arg(value_name = "TRACE", required = true)]
    pub traces: Vec<OsString>,
    /// Only the lock(s) with this name.
    #[arg(long, value_name = "NAME")]
    pub lock: Option<String>,
    /// One entry per lock instance, titled `name #id`, instead of one per lock class (every lock
    /// with the same name: its given name, or the site that created it).
    #[arg(long)]
    pub by_instance: bool,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Order of the locks (largest first).
    #[arg(long, value_enum, default_value_t)]
    pub sort: SortArg,
    /// Show only the first N locks.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

/// Arguments of `histogram`.
#[derive(Debug, Args)]
pub struct HistogramArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Which distribution.
    #[arg(long, value_enum, default_value_t)]
    pub metric: MetricArg,
    /// `text`: a histogram per lock; `hgrm`: percentile distribution of the selected locks
    /// merged, in milliseconds (HdrHistogram's plotter reads it).
    #[arg(long, value_enum, default_value_t)]
    pub format: HistogramFormat,
}

/// Arguments of `flamegraph`.
#[derive(Debug, Args)]
pub struct FlamegraphArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The SVG file to write (`-` for stdout).
    #[arg(short, long, value_name = "FILE.svg")]
    pub output: PathBuf,
    /// wait: where threads waited; blame: who made them wait; hold: where locks were held.
    #[arg(long, value_enum, default_value_t)]
    pub view: ViewArg,
    /// Frames between thread and acquire site: native stacks, tracing span names, or both.
    #[arg(long, value_enum, default_value_t)]
    pub frames: FramesArg,
    /// Title above the graph.
    #[arg(long)]
    pub title: Option<String>,
    /// Image width in pixels.
    #[arg(long)]
    pub width: Option<usize>,
}

/// Arguments of `folded`.
#[derive(Debug, Args)]
pub struct FoldedArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// wait: where threads waited; blame: who made them wait; hold: where locks were held.
    #[arg(long, value_enum, default_value_t)]
    pub view: ViewArg,
    /// Frames between thread and acquire site: native stacks, tracing span names, or both.
    #[arg(long, value_enum, default_value_t)]
    pub frames: FramesArg,
}

/// Arguments of `pprof`.
#[derive(Debug, Args)]
pub struct PprofArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The profile to write, gzipped protobuf (`-` for stdout).
    #[arg(short, long, value_name = "FILE.pb.gz")]
    pub output: PathBuf,
    /// wait: where threads waited (Go's block profile); blame: who made them wait (Go's mutex
    /// profile).
    #[arg(long, value_enum, default_value_t)]
    pub view: PprofViewArg,
}

/// Arguments of `timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The JSON file to write (`-` for stdout).
    #[arg(short, long, value_name = "FILE.json")]
    pub output: PathBuf,
}

/// Arguments of `html`.
#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Inputs and lock filter.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The HTML file to write (`-` for stdout).
    #[arg(short, long, value_name = "FILE.html")]
    pub output: PathBuf,
    /// Title of the page.
    #[arg(long)]
    pub title: Option<String>,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The run compared against: a trace or a tracing JSON-lines log (`-` reads stdin).
    #[arg(value_name = "BASE")]
    pub base: OsString,
    /// The run compared: a trace or a tracing JSON-lines log (`-` reads stdin, when BASE does
    /// not).
    #[arg(value_name = "NEW")]
    pub new: OsString,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Exit with code 1 when a lock's METRIC grows by more than PCT percent of its base value
    /// (from 0, any growth). Repeatable. METRIC: acquisitions, contended, contended.pct,
    /// blame, wait.STAT or hold.STAT with STAT one of count, total, mean, p50, p90, p99, p999,
    /// max.
    #[arg(long = "fail-on", value_name = "METRIC=+PCT")]
    pub fail_on: Vec<Threshold>,
    /// Also write the differential flamegraph: the new run's stacks, red where time grew, blue
    /// where it shrank.
    #[arg(long, value_name = "FILE.svg")]
    pub flamegraph: Option<PathBuf>,
    /// What the differential flamegraph weighs.
    #[arg(long, value_enum, default_value_t)]
    pub view: ViewArg,
    /// Only the lock(s) with this name.
    #[arg(long, value_name = "NAME")]
    pub lock: Option<String>,
}

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the trace, report, flamegraphs, HTML page and pprof profile (created if
    /// missing).
    #[arg(default_value = "lockprof-demo")]
    pub dir: PathBuf,
    /// How long the workload runs, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = crate::demo::DEFAULT_DURATION_MS)]
    pub duration_ms: u64,
}
