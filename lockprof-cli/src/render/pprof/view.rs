//! Which pprof profile to write: Go's block profile (where goroutines waited) or its mutex
//! profile (whose unlocks made others wait), in lockprof's terms the wait and blame views.

use crate::Cell;
use crate::flame::View;

/// What a pprof profile weighs. Both have Go's two sample types, `contentions/count` and
/// `delay/nanoseconds`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PprofView {
    /// Where threads waited, as Go's block profile: the waiters' stacks, each wait one
    /// contention, its length the delay.
    #[default]
    Wait,
    /// Who made them wait, as Go's mutex profile: the holders' stacks, each hold that made
    /// others wait one contention, the time they waited (its blame) the delay.
    Blame,
}

impl PprofView {
    /// The view's name.
    pub fn as_str(self) -> &'static str {
        self.flame_view().as_str()
    }

    /// The flamegraph view with the same stacks and nanoseconds.
    pub fn flame_view(self) -> View {
        match self {
            PprofView::Wait => View::Wait,
            PprofView::Blame => View::Blame,
        }
    }

    /// `(contentions, delay in ns)` of `cell`. A blame view's contentions are the holds reported
    /// one by one; the blame of holds only summarised has no count (see
    /// [`Cell::blamed_holds`]).
    pub(super) fn values(self, cell: &Cell) -> (u64, u64) {
        match self {
            PprofView::Wait => (cell.waits, cell.wait_ns),
            PprofView::Blame => (cell.blamed_holds, cell.blame_ns),
        }
    }

    /// The profile's comment (`go tool pprof -comments`).
    pub(super) fn comment(self) -> &'static str {
        match self {
            PprofView::Wait => {
                "lockprof wait view (as Go's block profile): waiting thread → spans → stack where \
                 it waited → acquire site → lock; delay = ns waited"
            }
            PprofView::Blame => {
                "lockprof blame view (as Go's mutex profile): holding thread → spans → stack \
                 where it held → acquire site → lock; delay = ns others waited meanwhile"
            }
        }
    }
}
