//! The state a profiled lock keeps in its guard.

use std::panic::Location;

use crate::config;
use crate::site::TaggedSite;

/// Per-acquisition state a profiled lock keeps in its guard: where the lock was taken and, when
/// this hold is timed, since when.
///
/// You never make or use one: it is the `Guard` associated type of the raw locks, which
/// `lock_api` stores inside `MutexGuard` and friends. Like parking_lot's guards, it is not `Send`,
/// unless the `send_guard` feature is on (see the crate docs' "Cargo features").
pub struct HoldToken {
    /// The acquire site, tagged `DEFERRED` and `SAMPLED`. Two words in all, so the token travels
    /// in registers.
    tagged_site: TaggedSite,
    /// When the hold began; 0 when it is not timed.
    pub(super) start_ns: u64,
    _not_send: Marker,
}

/// What makes guards `Send` or not, as parking_lot's `GuardMarker`: a guard released on another
/// thread than the one that acquired it is recorded as well as that thread can (see
/// `thread::take_hold_start`).
#[cfg(feature = "send_guard")]
type Marker = lock_api::GuardSend;
#[cfg(not(feature = "send_guard"))]
type Marker = lock_api::GuardNoSend;

/// Events for this lock wait in the thread's recorder: release must take the slow path.
const DEFERRED: usize = 1;
/// The hold is the thread's sampled one; it stands for `hold_sample_interval()` holds (the mean
/// of the randomised intervals, so the weighted counts are unbiased).
const SAMPLED: usize = 2;

impl std::fmt::Debug for HoldToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HoldToken")
            .field("site", &crate::name::Site(self.site()))
            .field("start_ns", &self.start_ns)
            .field("sampled", &self.is_sampled())
            .finish_non_exhaustive()
    }
}

impl HoldToken {
    #[inline(always)]
    pub(super) fn untimed(site: &'static Location<'static>) -> HoldToken {
        HoldToken {
            tagged_site: TaggedSite::new(site, 0),
            start_ns: 0,
            _not_send: Marker::new(),
        }
    }

    /// A hold timed from `start_ns`; `weight` is non-zero when it is the sampled one.
    pub(super) fn timed(site: &'static Location<'static>, start_ns: u64, weight: u32) -> HoldToken {
        let sampled = if weight != 0 { SAMPLED } else { 0 };
        HoldToken {
            tagged_site: TaggedSite::new(site, sampled),
            start_ns,
            _not_send: Marker::new(),
        }
    }

    /// Where the lock was acquired.
    pub(crate) fn site(&self) -> &'static Location<'static> {
        self.tagged_site.site()
    }

    /// Makes the next release take the slow path (events for the lock are pending).
    pub(crate) fn set_deferred(&mut self) {
        self.tagged_site = self.tagged_site.with_tag(DEFERRED);
    }

    pub(super) fn is_deferred(&self) -> bool {
        self.tagged_site.tags() & DEFERRED != 0
    }

    pub(super) fn is_sampled(&self) -> bool {
        self.tagged_site.tags() & SAMPLED != 0
    }

    /// How many holds this one stands for: the sampling interval when it is the sample, else 0.
    pub(super) fn weight(&self) -> u32 {
        if self.is_sampled() {
            config::hold_sample_interval()
        } else {
            0
        }
    }
}
