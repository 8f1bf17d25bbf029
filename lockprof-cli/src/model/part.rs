//! A lock's figures split by acquire site and mode: the per-site distributions the reports list,
//! and an `RwLock`'s readers apart from its writers. Every acquisition is made at one site in one
//! mode, so the parts of a lock add up to the lock, and a site's or a mode's figures are the sum
//! of its parts.

use lockprof::Mode;

use super::Distribution;

/// What was done to a lock at one acquire site in one mode, or the sum of such parts. Counts
/// are weighted, as the lock's are.
#[derive(Clone, Debug, Default)]
pub struct Part {
    /// Exact number of acquisitions.
    pub acquisitions: u64,
    /// Exact number of contended acquisitions.
    pub contended: u64,
    /// Waits, ns.
    pub wait: Distribution,
    /// Holds, ns, measured and estimated from sampled holds (as
    /// [`LockProfile::hold`](crate::LockProfile::hold)).
    pub hold: Distribution,
    /// The part of `hold`'s count estimated from sampled holds.
    pub holds_estimated: u64,
    /// Nanoseconds others waited during these holds.
    pub blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    pub blame_estimated_ns: u64,
}

impl Part {
    /// Adds `other`'s figures to these.
    pub fn add(&mut self, other: &Part) {
        let sums = [
            (&mut self.acquisitions, other.acquisitions),
            (&mut self.contended, other.contended),
            (&mut self.holds_estimated, other.holds_estimated),
            (&mut self.blame_ns, other.blame_ns),
            (&mut self.blame_estimated_ns, other.blame_estimated_ns),
        ];
        for (sum, part) in sums {
            *sum = sum.saturating_add(part);
        }
        self.wait.merge(&other.wait);
        self.hold.merge(&other.hold);
    }

    /// Contended acquisitions as a percentage of all acquisitions (0 when there were none).
    pub fn contended_pct(&self) -> f64 {
        percent(self.contended, self.acquisitions)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.acquisitions == 0
            && self.contended == 0
            && self.wait.is_empty()
            && self.wait.total == 0
            && self.hold.is_empty()
            && self.hold.total == 0
            && self.blame_ns == 0
    }
}

/// The [`Part`] of a lock at one acquire site in one mode.
#[derive(Clone, Debug)]
pub struct SitePart {
    /// The acquire site, `file:line` (untrusted: escape before display).
    pub site: String,
    /// How the lock was acquired there.
    pub mode: Mode,
    /// The figures.
    pub part: Part,
}

impl SitePart {
    /// What tells one part of a lock from another; a lock's parts are sorted by it.
    pub(crate) fn key(&self) -> (&str, Mode) {
        (&self.site, self.mode)
    }
}

/// The modes, in the order reports list them: `write` (exclusive), `read` (shared),
/// `upgradable`.
pub const MODES: [Mode; 3] = [Mode::Exclusive, Mode::Shared, Mode::Upgradable];

/// What the reports call a mode of an `RwLock`: `write`, `read`, `upgradable`.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Exclusive => "write",
        Mode::Shared => "read",
        Mode::Upgradable => "upgradable",
    }
}

/// `part` as a percentage of `whole` (0 when `whole` is 0).
pub(crate) fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
