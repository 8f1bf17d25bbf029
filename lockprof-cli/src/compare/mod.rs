//! Comparing two runs (`lockprof diff`): a stage after the model, before rendering. Two
//! profiles, each of one run grouped into lock classes, become a [`Comparison`]: every class of
//! either run, and each of its acquire sites, with its [`Figures`] before and after; and the
//! locks whose figures grew past a [`Threshold`] (`--fail-on`) are its [`Regression`]s. The diff
//! renderers (`render/diff/`) read the comparison; the differential flamegraph reads the two
//! profiles, as every flamegraph does.

mod comparison;
mod figures;
mod threshold;

pub use comparison::{Comparison, LockDiff, Run, SiteDiff};
pub use figures::{Figure, Figures, Stat, change_pct};
pub use threshold::{Regression, Threshold};
