//! What a flamegraph shows: which time it weighs ([`View`]) and which frames stand between the
//! thread and the acquire site ([`Frames`]).

use crate::Cell;

/// What a flamegraph weighs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Where threads waited: the waiters' stacks, weighted by nanoseconds waited.
    #[default]
    Wait,
    /// Who made them wait: the holders' stacks, weighted by nanoseconds others waited.
    Blame,
    /// Where locks were held: the holders' stacks, weighted by nanoseconds held.
    Hold,
}

impl View {
    /// The view's name.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Wait => "wait",
            View::Blame => "blame",
            View::Hold => "hold",
        }
    }

    /// The nanoseconds of `cell` this view weighs.
    pub(crate) fn weight(self, cell: &Cell) -> u64 {
        match self {
            View::Wait => cell.wait_ns,
            View::Blame => cell.blame_ns,
            View::Hold => cell.hold_ns,
        }
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            View::Wait => "lockprof: where threads waited for locks",
            View::Blame => "lockprof: who made others wait (blame)",
            View::Hold => "lockprof: where locks were held",
        }
    }

    pub(super) fn subtitle(self) -> &'static str {
        match self {
            View::Wait => {
                "waiting thread → spans → stack where it waited → acquire site → lock; width = ns waited"
            }
            View::Blame => {
                "holding thread → spans → stack where it held → acquire site → lock; width = ns others waited meanwhile"
            }
            View::Hold => {
                "holding thread → spans → stack where it held → acquire site → lock; width = ns held"
            }
        }
    }
}

/// Which frames a flamegraph shows between the thread and the acquire site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Frames {
    /// Native stack frames only.
    Native,
    /// Names of the entered `tracing` spans only.
    Spans,
    /// Span names, then native frames.
    #[default]
    Both,
}

impl Frames {
    /// Whether span names are shown.
    pub(crate) fn spans(self) -> bool {
        self != Frames::Native
    }

    /// Whether native frames are shown.
    pub(crate) fn native(self) -> bool {
        self != Frames::Spans
    }
}
