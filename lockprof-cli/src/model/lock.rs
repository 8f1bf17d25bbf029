//! The aggregated result every output is rendered from: per lock, exact counts, wait and hold
//! distributions, blame, and the (thread, spans, site) cells the holder/waiter/site tables and the
//! flamegraphs are derived from.

use std::collections::HashMap;

use hdrhistogram::Histogram;
use lockprof::LockKind;
use serde::Serialize;

use crate::Error;

/// Significant digits of every histogram the CLI keeps (and of the percentiles it reports).
pub const SIGFIG: u8 = 3;

/// An empty auto-resizing histogram with [`SIGFIG`] significant digits.
pub(crate) fn new_histogram() -> Histogram<u64> {
    // SIGFIG is a valid precision, so creation cannot fail; fall back to the least precise
    // histogram rather than panic if that ever changes.
    Histogram::new(SIGFIG).unwrap_or_else(|_| Histogram::new(1).expect("sigfig 1 is valid"))
}

/// Summary statistics of one distribution in nanoseconds: the `wait_ns` / `hold_ns` objects of
/// the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Number of values (weighted: sampled events count `weight` times).
    pub count: u64,
    /// Exact sum of the values (weighted).
    pub total: u64,
    /// `total / count`, rounded.
    pub mean: u64,
    /// Median, to the histogram's precision.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
}

/// A distribution of nanosecond values: a histogram plus the exact sum of its values.
#[derive(Clone, Debug)]
pub struct Distribution {
    /// The values, [`SIGFIG`] significant digits, counts weighted.
    pub hist: Histogram<u64>,
    /// Exact (weighted) sum of the values.
    pub total: u64,
}

impl Default for Distribution {
    fn default() -> Self {
        Distribution {
            hist: new_histogram(),
            total: 0,
        }
    }
}

impl Distribution {
    /// Records `weight` values of `value` ns.
    pub(crate) fn record_n(&mut self, value: u64, weight: u64) {
        record_n(&mut self.hist, value, weight);
        self.total = self.total.saturating_add(value.saturating_mul(weight));
    }

    /// Adds a histogram whose values sum to `total`.
    pub(crate) fn merge(&mut self, hist: &Histogram<u64>, total: u64) {
        add_histogram(&mut self.hist, hist);
        self.total = self.total.saturating_add(total);
    }

    /// Count, total, mean, percentiles and max.
    pub fn stats(&self) -> Stats {
        stats_of(&self.hist, self.total)
    }
}

/// Records `count` values of `value`, growing the histogram as needed; only a value beyond any
/// histogram's range (≥ 2^62 ns, 146 years) is clamped.
#[inline]
pub(crate) fn record_n(hist: &mut Histogram<u64>, value: u64, count: u64) {
    if hist.record_n(value, count).is_err() {
        hist.saturating_record_n(value, count);
    }
}

/// Adds `src` into `dst`, dropping values `dst` cannot represent rather than failing.
pub(crate) fn add_histogram(dst: &mut Histogram<u64>, src: &Histogram<u64>) {
    if dst.add(src).is_err() {
        for v in src.iter_recorded() {
            record_n(dst, v.value_iterated_to(), v.count_at_value());
        }
    }
}

/// [`Stats`] of `hist`, whose values sum to `total`.
pub fn stats_of(hist: &Histogram<u64>, total: u64) -> Stats {
    let count = hist.len();
    if count == 0 {
        return Stats {
            total,
            ..Stats::default()
        };
    }
    Stats {
        count,
        total,
        mean: ((total as u128 + count as u128 / 2) / count as u128) as u64,
        p50: hist.value_at_quantile(0.5),
        p90: hist.value_at_quantile(0.9),
        p99: hist.value_at_quantile(0.99),
        p999: hist.value_at_quantile(0.999),
        max: hist.max(),
    }
}

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

/// A [`Cell`] summed over every cell with the same native stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackUsage {
    /// The native stack, root first.
    pub frames: Vec<String>,
    /// The sums.
    pub cell: Cell,
}

/// Frames a short stack shows.
pub const SHORT_STACK_FRAMES: usize = 3;

/// A stack in short form: its leaf-most `n` frames, leaf first, joined by ` <- `
/// (`bank::transfer <- bank::worker`); `[no stack]` when empty.
pub fn short_stack(frames: &[String], n: usize) -> String {
    if frames.is_empty() {
        return crate::flame::NO_STACK_FRAME.to_owned();
    }
    let mut out = String::new();
    for (i, f) in frames.iter().rev().take(n.max(1)).enumerate() {
        if i > 0 {
            out.push_str(" <- ");
        }
        out.push_str(f);
    }
    out
}

/// A [`Cell`] summed over every stack of one thread or one site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Thread name or site.
    pub name: String,
    /// The sums.
    pub cell: Cell,
}

/// A stack's row in a report table: named by its [`short_stack`].
impl From<StackUsage> for Usage {
    fn from(stack: StackUsage) -> Usage {
        Usage {
            name: short_stack(&stack.frames, SHORT_STACK_FRAMES),
            cell: stack.cell,
        }
    }
}

/// Everything known about one lock.
#[derive(Clone, Debug)]
pub struct LockProfile {
    /// Index of the input (trace file) the lock is from; locks of different inputs are distinct
    /// even when their names and ids agree.
    pub input: usize,
    /// The lock's id in that input.
    pub id: u64,
    /// The lock's name (untrusted: escape before display).
    pub name: String,
    /// Mutex or RwLock.
    pub kind: LockKind,
    /// Exact number of acquisitions.
    pub acquisitions: u64,
    /// Exact number of contended acquisitions.
    pub contended: u64,
    /// Exact number of timed acquisitions that gave up.
    pub timeouts: u64,
    /// Waits, ns.
    pub wait: Distribution,
    /// Holds, ns: those measured one by one, and sampled holds weighted by the holds they stand
    /// for (so counts, total and percentiles are estimates when
    /// [`holds_estimated`](Self::holds_estimated) is not 0).
    pub hold: Distribution,
    /// The part of `hold`'s count that is an estimate: the weighted count of sampled holds
    /// (summaries' holds, and hold events of weight above 1).
    pub holds_estimated: u64,
    /// Blame of each hold reported individually, ns (summaries carry only a total, included in
    /// [`blame_ns`](Self::blame_ns) but not here).
    pub blame: Distribution,
    /// Total nanoseconds threads waited for this lock, charged to the holds that made them wait.
    pub blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds rather than measured.
    pub blame_estimated_ns: u64,
    /// Waiting on this lock, ns, that was charged to no hold exactly: hand-offs between holds,
    /// and in storms of short holds the waiting during unmeasured holds (which
    /// [`blame_estimated_ns`](Self::blame_estimated_ns) estimates). Blame not estimated plus
    /// this is the lock's waiting (docs/EVENTS.md).
    pub unattributed_ns: u64,
    /// Per (thread, spans, native stack, site), sorted by thread, spans, frames, site.
    pub stacks: Vec<StackCell>,
    /// Waits paired with the holds they waited for, most wait first (waits whose holder is
    /// unknown are left out).
    pub pairs: Vec<Pair>,
}

impl LockProfile {
    /// Contended acquisitions as a percentage of all acquisitions (0 when there were none).
    pub fn contended_pct(&self) -> f64 {
        percent(self.contended, self.acquisitions)
    }

    /// Threads that held the lock, most blame first (ties: most holds, then name).
    pub fn holders(&self) -> Vec<Usage> {
        let mut rows = self.group(|s| &s.thread);
        rows.retain(|u| u.cell.holds > 0 || u.cell.blame_ns > 0);
        rows.sort_by(|a, b| {
            (b.cell.blame_ns, b.cell.holds)
                .cmp(&(a.cell.blame_ns, a.cell.holds))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }

    /// Threads that waited for the lock, most wait first.
    pub fn waiters(&self) -> Vec<Usage> {
        let mut rows = self.group(|s| &s.thread);
        rows.retain(|u| u.cell.waits > 0 || u.cell.wait_ns > 0);
        sort_by_wait(&mut rows);
        rows
    }

    /// Acquire sites that waited or were blamed, most wait first (ties: most blame, then name).
    pub fn sites(&self) -> Vec<Usage> {
        let mut rows = self.group(|s| &s.site);
        rows.retain(|u| u.cell.waits > 0 || u.cell.wait_ns > 0 || u.cell.blame_ns > 0);
        sort_by_wait(&mut rows);
        rows
    }

    /// Acquire sites that held the lock while others waited, most blame first.
    pub fn blamed_sites(&self) -> Vec<Usage> {
        let mut rows = self.group(|s| &s.site);
        rows.retain(|u| u.cell.blame_ns > 0);
        rows.sort_by(|a, b| {
            b.cell
                .blame_ns
                .cmp(&a.cell.blame_ns)
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }

    /// Native stacks that held the lock while others waited, most blame first.
    pub fn holder_stacks(&self) -> Vec<StackUsage> {
        let mut rows = self.group_frames();
        rows.retain(|u| u.cell.blame_ns > 0 && !u.frames.is_empty());
        rows.sort_by(|a, b| {
            b.cell
                .blame_ns
                .cmp(&a.cell.blame_ns)
                .then_with(|| a.frames.cmp(&b.frames))
        });
        rows
    }

    /// Native stacks that waited for the lock, most wait first.
    pub fn waiter_stacks(&self) -> Vec<StackUsage> {
        let mut rows = self.group_frames();
        rows.retain(|u| u.cell.wait_ns > 0 && !u.frames.is_empty());
        rows.sort_by(|a, b| {
            b.cell
                .wait_ns
                .cmp(&a.cell.wait_ns)
                .then_with(|| a.frames.cmp(&b.frames))
        });
        rows
    }

    fn group_frames(&self) -> Vec<StackUsage> {
        let mut sums: HashMap<&[String], Cell> = HashMap::new();
        for s in &self.stacks {
            sums.entry(&s.frames).or_default().add(&s.cell);
        }
        sums.into_iter()
            .map(|(frames, cell)| StackUsage {
                frames: frames.to_vec(),
                cell,
            })
            .collect()
    }

    fn group(&self, key: impl Fn(&StackCell) -> &String) -> Vec<Usage> {
        let mut sums: HashMap<&str, Cell> = HashMap::new();
        for s in &self.stacks {
            sums.entry(key(s)).or_default().add(&s.cell);
        }
        sums.into_iter()
            .map(|(name, cell)| Usage {
                name: name.to_owned(),
                cell,
            })
            .collect()
    }
}

fn sort_by_wait(rows: &mut [Usage]) {
    rows.sort_by(|a, b| {
        (b.cell.wait_ns, b.cell.waits, b.cell.blame_ns)
            .cmp(&(a.cell.wait_ns, a.cell.waits, a.cell.blame_ns))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// `part` as a percentage of `whole` (0 when `whole` is 0).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// How [`Profile::sort`] orders locks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Total time waited, most first.
    #[default]
    Wait,
    /// Total blame (time others waited, charged to holders), most first.
    Blame,
    /// Total hold time (measured and estimated from samples), most first.
    Hold,
    /// Contended acquisitions, most first.
    Contended,
}

/// The aggregate of one or more traces.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Longest span of time one input covers: latest minus earliest event timestamp, ns.
    pub duration_ns: u64,
    /// Events the writers dropped (they fell behind, or their output failed); the numbers above
    /// miss them.
    pub dropped_events: u64,
    /// Number of inputs merged.
    pub inputs: usize,
    /// Whether any event carried a native stack (flamegraphs then show a `[no stack]` frame for
    /// the time without one, so totals stay whole).
    pub native_stacks: bool,
    /// Every lock seen, in order of first appearance.
    pub locks: Vec<LockProfile>,
}

impl Profile {
    /// Orders the locks by `key`, largest first; ties by name, then input and id.
    pub fn sort(&mut self, key: SortKey) {
        let metric = |l: &LockProfile| match key {
            SortKey::Wait => l.wait.total,
            SortKey::Blame => l.blame_ns,
            SortKey::Hold => l.hold.total,
            SortKey::Contended => l.contended,
        };
        self.locks.sort_by(|a, b| {
            metric(b)
                .cmp(&metric(a))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| (a.input, a.id).cmp(&(b.input, b.id)))
        });
    }

    /// Keeps only the locks named `name` (from every input).
    ///
    /// # Errors
    /// [`Error::UnknownLock`] when no lock has that name.
    pub fn retain_lock(&mut self, name: &str) -> Result<(), Error> {
        if !self.locks.iter().any(|l| l.name == name) {
            let mut known: Vec<&str> = self.locks.iter().map(|l| l.name.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(Error::UnknownLock {
                name: name.to_owned(),
                known: known.iter().map(|s| s.to_string()).collect(),
            });
        }
        self.locks.retain(|l| l.name == name);
        Ok(())
    }

    /// Keeps the first `n` locks.
    pub fn truncate(&mut self, n: usize) {
        self.locks.truncate(n);
    }
}
