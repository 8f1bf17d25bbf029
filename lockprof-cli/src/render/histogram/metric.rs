//! Which distribution a histogram shows.

use hdrhistogram::Histogram;

use crate::model::{add_histogram, new_histogram};
use crate::{Distribution, LockProfile, Profile};

/// Which distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Metric {
    /// Time each contended acquisition waited.
    #[default]
    Wait,
    /// Time each measured hold lasted.
    Hold,
    /// Time others waited during each hold reported individually.
    Blame,
}

impl Metric {
    /// The metric's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Wait => "wait",
            Metric::Hold => "hold",
            Metric::Blame => "blame",
        }
    }

    /// The distribution of `lock` this metric reads.
    pub fn of(self, lock: &LockProfile) -> &Distribution {
        match self {
            Metric::Wait => &lock.wait,
            Metric::Hold => &lock.hold,
            Metric::Blame => &lock.blame,
        }
    }
}

/// `metric` of every lock of `profile`, merged into one histogram.
pub fn merged(profile: &Profile, metric: Metric) -> Histogram<u64> {
    let mut h = new_histogram();
    for lock in &profile.locks {
        add_histogram(&mut h, &metric.of(lock).histogram());
    }
    h
}
