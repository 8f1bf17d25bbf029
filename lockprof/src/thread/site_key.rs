//! The key of a thread's statistics: where a lock was taken, and in which mode.

use std::panic::Location;

use crate::Mode;
use crate::site::TaggedSite;

/// Acquire site and mode: the key of the statistics, the mode in the site's tag bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SiteKey(pub(super) TaggedSite);

impl SiteKey {
    #[inline]
    pub(crate) fn new(site: &'static Location<'static>, mode: Mode) -> SiteKey {
        SiteKey(TaggedSite::new(site, mode as usize))
    }

    /// The site and mode this key was made from.
    pub(crate) fn parts(self) -> (&'static Location<'static>, Mode) {
        let mode = match self.0.tags() {
            0 => Mode::Exclusive,
            1 => Mode::Shared,
            _ => Mode::Upgradable,
        };
        (self.0.site(), mode)
    }
}
