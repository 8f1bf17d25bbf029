//! The finest grain of the profile: what one thread did to one lock at one site under one span
//! stack and native stack, and the sums of such cells that the report tables list.

/// What one thread did to one lock at one site under one span stack. Counts are weighted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Contended acquisitions (waits).
    pub waits: u64,
    /// Nanoseconds waited.
    pub wait_ns: u64,
    /// Holds: those measured one by one, plus the holds sampled holds stand for (weighted).
    pub holds: u64,
    /// The part of `holds` that is an estimate: the weighted count of sampled holds.
    pub holds_estimated: u64,
    /// Nanoseconds held (of the holds counted in `holds`, weighted).
    pub hold_ns: u64,
    /// Nanoseconds other threads waited while this thread held the lock from this site.
    pub blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds rather than measured.
    pub blame_estimated_ns: u64,
    /// Holds reported one by one (hold events) that made others wait, each counted once
    /// whatever its sampling weight, as its `blame_ns` is its own. Holds only summarised add
    /// their blame to `blame_ns` but nothing here: a summary does not say how many of its holds
    /// had blame.
    pub blamed_holds: u64,
}

impl Cell {
    pub(crate) fn add(&mut self, other: &Cell) {
        self.waits = self.waits.saturating_add(other.waits);
        self.wait_ns = self.wait_ns.saturating_add(other.wait_ns);
        self.holds = self.holds.saturating_add(other.holds);
        self.holds_estimated = self.holds_estimated.saturating_add(other.holds_estimated);
        self.hold_ns = self.hold_ns.saturating_add(other.hold_ns);
        self.blame_ns = self.blame_ns.saturating_add(other.blame_ns);
        self.blame_estimated_ns = self
            .blame_estimated_ns
            .saturating_add(other.blame_estimated_ns);
        self.blamed_holds = self.blamed_holds.saturating_add(other.blamed_holds);
    }

    /// Whether `holds` (and the hold time) include an estimate from sampled holds.
    pub fn holds_are_estimated(&self) -> bool {
        self.holds_estimated > 0
    }

    /// Whether `blame_ns` includes an estimate from sampled holds.
    pub fn blame_is_estimated(&self) -> bool {
        self.blame_estimated_ns > 0
    }
}

/// A [`Cell`] with the thread, span stack, native stack and site it belongs to: one flamegraph
/// stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackCell {
    /// Thread name.
    pub thread: String,
    /// The task, for an async lock's cells (`lockprof::tokio`): its innermost span's name or
    /// `task-<id>`; `None` for a thread's.
    pub task: Option<String>,
    /// Names of the entered `tracing` spans, outermost first.
    pub spans: Vec<String>,
    /// The thread's native stack, root-most frame first (lockprof's and the runtime's frames
    /// trimmed): where it waited for a wait, where it held the lock for a hold. Empty when none
    /// was captured (stack capture off or over its budget, or a short wait or hold, which are
    /// only summarised).
    pub frames: Vec<String>,
    /// Acquire site (`file:line`).
    pub site: String,
    /// The numbers.
    pub cell: Cell,
}

impl StackCell {
    /// What tells one cell of a lock from another: thread, spans, frames, site. A lock's cells
    /// are sorted by it.
    pub(crate) fn key(&self) -> (&str, &[String], &[String], &str, Option<&str>) {
        (
            &self.thread,
            &self.spans,
            &self.frames,
            &self.site,
            self.task.as_deref(),
        )
    }
}

/// A wait paired with the hold it waited for: who waited where, and who held the lock where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The waiting thread.
    pub waiter_thread: String,
    /// Its native stack, root first (empty: not captured).
    pub waiter_frames: Vec<String>,
    /// The thread that held the lock when the wait began.
    pub holder_thread: String,
    /// Its native stack at that hold, root first (empty: not known).
    pub holder_frames: Vec<String>,
    /// Waits (weighted).
    pub waits: u64,
    /// Nanoseconds waited.
    pub wait_ns: u64,
}

impl Pair {
    /// What tells one pair of a lock from another: who waited where, who held it where.
    pub(crate) fn key(&self) -> (&str, &[String], &str, &[String]) {
        (
            &self.waiter_thread,
            &self.waiter_frames,
            &self.holder_thread,
            &self.holder_frames,
        )
    }
}

/// Orders a lock's pairs as [`LockProfile::pairs`](crate::LockProfile::pairs) lists them: most
/// wait first, then by [`Pair::key`].
pub(crate) fn sort_pairs(pairs: &mut [Pair]) {
    pairs.sort_by(|a, b| {
        b.wait_ns
            .cmp(&a.wait_ns)
            .then_with(|| a.key().cmp(&b.key()))
    });
}

/// A [`Cell`] summed over every cell with the same native stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackUsage {
    /// The native stack, root first.
    pub frames: Vec<String>,
    /// The sums.
    pub cell: Cell,
}

/// A [`Cell`] summed over every stack of one thread or one site, or of one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Thread name or site; for a task's row, the thread that did most of it.
    pub name: String,
    /// The task, for an async lock's holders and waiters; `None` otherwise.
    pub task: Option<String>,
    /// The sums.
    pub cell: Cell,
}
