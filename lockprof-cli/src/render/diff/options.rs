//! What a diff says besides the comparison.

use crate::compare::Threshold;

/// What a diff says besides the comparison: what the runs are called, and the thresholds of
/// `--fail-on`, whose regressions it lists.
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// The base run's input, as named on the command line. Defaults to empty.
    pub base: String,
    /// The new run's input. Defaults to empty.
    pub new: String,
    /// The `--fail-on` thresholds. Defaults to none.
    pub thresholds: Vec<Threshold>,
}
