//! The waits and holds recorded one by one, placed in time: what `lockprof timeline` draws.
//! Only events are here: waits and holds too short to be events are in summaries, which have
//! counts and histograms but no times. Kept only when asked for
//! ([`LoadOptions::timeline`](crate::LoadOptions::timeline)), as it grows with the events.

/// Index of a name in a [`Timeline`]'s names ([`Timeline::name`]).
pub type NameIdx = u32;

/// What a [`TimedEvent`] is, and what only that kind has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimedKind {
    /// A wait: a contended acquisition (or a timed attempt that gave up).
    Wait {
        /// The thread that held the lock when the wait began, when known.
        holder: Option<NameIdx>,
        /// The attempt gave up: the thread did not get the lock.
        timed_out: bool,
    },
    /// A hold that made others wait (a hold event with blame).
    Hold {
        /// Nanoseconds other threads waited during the hold.
        blame_ns: u64,
        /// Threads still waiting when it ended.
        waiters: u64,
        /// `false` when the hold began untimed and is measured from the first waiter's arrival
        /// (a lower bound, docs/EVENTS.md).
        exact: bool,
        /// The hold's sampling weight (its own blame is exact whatever the weight).
        weight: u64,
    },
}

/// One wait or hold, placed in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedEvent {
    /// Index of the input it is from; times of different inputs are on different clocks.
    pub input: usize,
    /// The lock's id in that input (the instance, whatever the grouping).
    pub lock_id: u64,
    /// The lock's name.
    pub lock: NameIdx,
    /// The thread's id in its input: lockprof's thread id, or, when the input gave none, one
    /// made from its name above any lockprof gives.
    pub thread_id: u64,
    /// The thread's name.
    pub thread: NameIdx,
    /// The acquire site.
    pub site: NameIdx,
    /// When it began, ns on its input's clock (since the process's lockprof epoch).
    pub at_ns: u64,
    /// How long it lasted, ns.
    pub dur_ns: u64,
    /// Wait or hold.
    pub kind: TimedKind,
}

impl TimedEvent {
    /// When it ended.
    pub fn end_ns(&self) -> u64 {
        self.at_ns.saturating_add(self.dur_ns)
    }

    /// Whether it is a wait.
    pub fn is_wait(&self) -> bool {
        matches!(self.kind, TimedKind::Wait { .. })
    }
}

/// The waits and holds of the inputs that were kept one by one, in order of input and start.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The events: every wait event, and every hold event with blame.
    pub events: Vec<TimedEvent>,
    /// Wait and hold events not kept: past the cap on events kept, or without a start time.
    pub left_out: u64,
    names: Vec<String>,
}

impl Timeline {
    /// A timeline of `events`, whose names index `names`.
    pub(crate) fn new(events: Vec<TimedEvent>, names: Vec<String>, left_out: u64) -> Self {
        Timeline {
            events,
            left_out,
            names,
        }
    }

    /// The name `idx` stands for (untrusted: escape before display).
    pub fn name(&self, idx: NameIdx) -> &str {
        self.names.get(idx as usize).map_or("", String::as_str)
    }

    /// Keeps only the events of locks named `name`.
    pub(crate) fn retain_lock(&mut self, name: &str) {
        let names = &self.names;
        self.events
            .retain(|e| names.get(e.lock as usize).is_some_and(|n| n == name));
    }
}
