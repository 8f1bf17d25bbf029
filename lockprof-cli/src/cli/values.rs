//! The values of the command line's options, and what each selects in the library: the clap
//! side of [`SortKey`], [`View`], [`PprofView`], [`Frames`] and [`Metric`], and the choice of
//! renderer.

use clap::ValueEnum;

use crate::SortKey;
use crate::flame::{Frames, View};
use crate::histogram::Metric;
use crate::pprof::PprofView;

/// The values of `report --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    #[default]
    Text,
    /// JSON, schema `lockprof.report/1`.
    Json,
    /// GitHub-flavoured Markdown, for pull requests and issues.
    Markdown,
}

/// The values of `histogram --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum HistogramFormat {
    /// An ASCII histogram per lock.
    #[default]
    Text,
    /// HdrHistogram percentile distribution of all selected locks merged, values in ms.
    Hgrm,
}

/// The values of `report --sort`: [`SortKey`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Total time waited, most first.
    #[default]
    Wait,
    /// Total blame (time others waited, charged to holders), most first.
    Blame,
    /// Total hold time (measured and estimated from samples), most first.
    Hold,
    /// Contended acquisitions, most first.
    Contended,
}

impl From<SortArg> for SortKey {
    fn from(arg: SortArg) -> SortKey {
        match arg {
            SortArg::Wait => SortKey::Wait,
            SortArg::Blame => SortKey::Blame,
            SortArg::Hold => SortKey::Hold,
            SortArg::Contended => SortKey::Contended,
        }
    }
}

/// The values of `histogram --metric`: [`Metric`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Time each contended acquisition waited.
    #[default]
    Wait,
    /// Time each measured hold lasted.
    Hold,
    /// Time others waited during each hold reported individually.
    Blame,
}

impl From<MetricArg> for Metric {
    fn from(arg: MetricArg) -> Metric {
        match arg {
            MetricArg::Wait => Metric::Wait,
            MetricArg::Hold => Metric::Hold,
            MetricArg::Blame => Metric::Blame,
        }
    }
}

/// The values of `--view`: flamegraph [`View`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ViewArg {
    /// Where threads waited: the waiters' stacks, weighted by nanoseconds waited.
    #[default]
    Wait,
    /// Who made them wait: the holders' stacks, weighted by nanoseconds others waited.
    Blame,
    /// Where locks were held: the holders' stacks, weighted by nanoseconds held.
    Hold,
}

impl From<ViewArg> for View {
    fn from(arg: ViewArg) -> View {
        match arg {
            ViewArg::Wait => View::Wait,
            ViewArg::Blame => View::Blame,
            ViewArg::Hold => View::Hold,
        }
    }
}

/// The values of `pprof --view`: [`PprofView`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PprofViewArg {
    /// Where threads waited: the waiters' stacks, each wait a contention (Go's block profile).
    #[default]
    Wait,
    /// Who made them wait: the holders' stacks, weighted by nanoseconds others waited (Go's
    /// mutex profile).
    Blame,
}

impl From<PprofViewArg> for PprofView {
    fn from(arg: PprofViewArg) -> PprofView {
        match arg {
            PprofViewArg::Wait => PprofView::Wait,
            PprofViewArg::Blame => PprofView::Blame,
        }
    }
}

/// The values of `--frames`: which [`Frames`] a flamegraph shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FramesArg {
    /// Native stack frames only.
    Native,
    /// Names of the entered `tracing` spans only.
    Spans,
    /// Span names, then native frames.
    #[default]
    Both,
}

impl From<FramesArg> for Frames {
    fn from(arg: FramesArg) -> Frames {
        match arg {
            FramesArg::Native => Frames::Native,
            FramesArg::Spans => Frames::Spans,
            FramesArg::Both => Frames::Both,
        }
    }
}
