//! One lock's profile: its exact counts, distributions and blame, its cells, and the tables the
//! reports list (holders, waiters, sites, stacks), each derived from the cells on demand.

use std::collections::HashMap;

use lockprof::{LockKind, Mode};

use super::part::{Part, percent};
use super::{Cell, Distribution, Pair, SitePart, StackCell, StackUsage, Usage};

/// Everything known about one lock.
#[derive(Clone, Debug)]
pub struct LockProfile {
    /// Index of the input (trace file) the lock is from; locks of different inputs are distinct
    /// even when their names and ids agree.
    pub input: usize,
    /// The lock's id in that input; for a class, the lowest of its instances' ids.
    pub id: u64,
    /// How many lock instances this entry stands for: 1 for an instance, the number of locks
    /// of the class once grouped ([`Profile::group_classes`](crate::Profile::group_classes)).
    pub instances: u64,
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
    /// Per (acquire site, mode), sorted by site, then mode: the lock's figures split by where
    /// and how it was acquired ([`site_part`](Self::site_part), [`mode_part`](Self::mode_part)).
    /// They add up to the lock's counts and distributions.
    pub parts: Vec<SitePart>,
    /// Waits paired with the holds they waited for, most wait first (waits whose holder is
    /// unknown are left out).
    pub pairs: Vec<Pair>,
}

impl LockProfile {
    /// Contended acquisitions as a percentage of all acquisitions (0 when there were none).
    pub fn contended_pct(&self) -> f64 {
        percent(self.contended, self.acquisitions)
    }

    /// Threads that held the lock, most blame first (ties: most holds, then name); for an async
    /// lock, the tasks (see [`Usage::task`]).
    pub fn holders(&self) -> Vec<Usage> {
        let mut rows = self.group_by_holder();
        rows.retain(|u| u.cell.holds > 0 || u.cell.blame_ns > 0);
        rows.sort_by(|a, b| {
            (b.cell.blame_ns, b.cell.holds)
                .cmp(&(a.cell.blame_ns, a.cell.holds))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }

    /// Threads that waited for the lock, most wait first; for an async lock, the tasks.
    pub fn waiters(&self) -> Vec<Usage> {
        let mut rows = self.group_by_holder();
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
                task: None,
                cell,
            })
            .collect()
    }

    /// The lock's figures at `site`, every mode together; `None` when nothing was recorded there.
    pub fn site_part(&self, site: &str) -> Option<Part> {
        // Parts are sorted by site, then mode: a site's parts are one run.
        let start = self.parts.partition_point(|p| p.site.as_str() < site);
        let mut run = self.parts[start..].iter().take_while(|p| p.site == site);
        let mut sum = run.next()?.part.clone();
        for p in run {
            sum.add(&p.part);
        }
        Some(sum)
    }

    /// The lock's figures in `mode`, every site together (empty when it was never acquired so).
    pub fn mode_part(&self, mode: Mode) -> Part {
        let mut sum = Part::default();
        for p in self.parts.iter().filter(|p| p.mode == mode) {
            sum.add(&p.part);
        }
        sum
    }

    /// One row per thread, or per task for the cells of an async lock: a task moves between
    /// worker threads, so its row is named by the thread that waited or held the most of it
    /// (ties: the first name), and its cells on every thread are added up.
    fn group_by_holder(&self) -> Vec<Usage> {
        type Threads<'a> = HashMap<&'a str, u64>;
        let mut sums: HashMap<(Option<&str>, &str), (Cell, Threads<'_>)> = HashMap::new();
        for s in &self.stacks {
            let key = match &s.task {
                Some(task) => (Some(task.as_str()), ""),
                None => (None, s.thread.as_str()),
            };
            let (cell, threads) = sums.entry(key).or_default();
            cell.add(&s.cell);
            let weight = threads.entry(&s.thread).or_default();
            *weight = weight
                .saturating_add(s.cell.wait_ns)
                .saturating_add(s.cell.hold_ns)
                .saturating_add(s.cell.blame_ns);
        }
        sums.into_iter()
            .map(|((task, thread), (cell, threads))| {
                let name = match task {
                    None => thread,
                    Some(_) => threads
                        .into_iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
                        .map_or("", |(thread, _)| thread),
                };
                Usage {
                    name: name.to_owned(),
                    task: task.map(str::to_owned),
                    cell,
                }
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
