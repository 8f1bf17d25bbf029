//! The JSON report: the `lockprof.report/1` schema, field for field (the README names it; the
//! serialized structs below are its definition).

use std::io::{self, Write};

use lockprof::LockKind;
use serde::Serialize;

use crate::render::buckets::{DECADES, log_buckets, shares};
use crate::render::names::{SHORT_STACK_FRAMES, short_stack};
use crate::{Grouping, LockProfile, Part, Profile, Stats};

/// The `schema` value of the JSON report.
const SCHEMA: &str = "lockprof.report/1";

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    duration_ns: u64,
    dropped_events: u64,
    locks: Vec<Lock<'a>>,
}

#[derive(Serialize)]
struct Lock<'a> {
    name: &'a str,
    /// The lock's id in its input, when the report lists lock instances (`--by-instance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    kind: &'static str,
    /// How many locks the entry stands for: those of its class (every lock of the input with
    /// its name and kind), 1 for each entry with `--by-instance`.
    instances: u64,
    acquisitions: u64,
    contended: u64,
    wait_ns: Stats,
    hold_ns: Stats,
    /// How many of `hold_ns.count` are estimated from sampled holds (the weighted count
    /// of sampled holds); `hold_ns` is then an estimate.
    holds_estimated: u64,
    blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    blame_estimated_ns: u64,
    /// Waiting on the lock charged to no hold exactly (hand-offs between holds; in storms
    /// of short holds the waiting during unmeasured holds, which `blame_estimated_ns` estimates).
    unattributed_ns: u64,
    /// Only for `RwLock`s: the figures of each mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    modes: Option<Modes>,
    /// The waits in decades (1 ns, 10 ns, …), each bucket with its share of the waits and of
    /// the time waited.
    wait_histogram: Vec<HistogramBucket>,
    holders: Vec<Holder>,
    waiters: Vec<Waiter>,
    sites: Vec<Site>,
    // Empty lists when the trace has no native stacks.
    waiter_stacks: Vec<WaiterStack>,
    holder_stacks: Vec<HolderStack>,
    pairs: Vec<PairRow>,
}

#[derive(Serialize)]
struct WaiterStack {
    stack: String,
    frames: Vec<String>,
    waits: u64,
    wait_ns: u64,
}

#[derive(Serialize)]
struct HolderStack {
    stack: String,
    frames: Vec<String>,
    holds: u64,
    blame_ns: u64,
}

#[derive(Serialize)]
struct PairRow {
    waiter_thread: String,
    waiter_stack: String,
    waiter_frames: Vec<String>,
    holder_thread: String,
    holder_stack: String,
    holder_frames: Vec<String>,
    waits: u64,
    wait_ns: u64,
}

/// Stacks and pairs listed per lock in the JSON report (the largest).
const JSON_TOP_STACKS: usize = 20;

#[derive(Serialize)]
struct Holder {
    thread: String,
    /// An async lock's holding task (its rows are per task; `thread` did most of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    holds: u64,
    /// The part of `holds` estimated from sampled holds.
    holds_estimated: u64,
    blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    blame_estimated_ns: u64,
}

#[derive(Serialize)]
struct Waiter {
    thread: String,
    /// An async lock's waiting task, as in `Holder`.
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    waits: u64,
    wait_ns: u64,
}

#[derive(Serialize)]
struct Site {
    site: String,
    waits: u64,
    wait_ns: u64,
    blame_ns: u64,
    /// The part of `blame_ns` estimated from sampled holds.
    blame_estimated_ns: u64,
    /// Acquisitions at the site, and how many of them waited.
    acquisitions: u64,
    contended: u64,
    /// The distribution of the site's waits (`total` is `wait_ns`).
    wait: Stats,
    /// The distribution of the holds taken at the site.
    hold: Stats,
}

/// An `RwLock`'s modes: `write` is exclusive (`write()`, and an `upgrade` that waited), `read`
/// shared, `upgradable` an upgradable read.
#[derive(Serialize)]
struct Modes {
    read: Mode,
    write: Mode,
    upgradable: Mode,
}

/// The figures of one mode, as at the lock level.
#[derive(Serialize)]
struct Mode {
    acquisitions: u64,
    contended: u64,
    wait_ns: Stats,
    hold_ns: Stats,
    holds_estimated: u64,
    blame_ns: u64,
    blame_estimated_ns: u64,
}

impl From<Part> for Mode {
    fn from(p: Part) -> Mode {
        Mode {
            acquisitions: p.acquisitions,
            contended: p.contended,
            wait_ns: p.wait.stats(),
            hold_ns: p.hold.stats(),
            holds_estimated: p.holds_estimated,
            blame_ns: p.blame_ns,
            blame_estimated_ns: p.blame_estimated_ns,
        }
    }
}

/// One bucket of the wait histogram: waits of `from_ns` up to `to_ns` (exclusive; `null`:
/// no upper bound).
#[derive(Serialize)]
struct HistogramBucket {
    from_ns: u64,
    to_ns: Option<u64>,
    count: u64,
    /// Time waited in the bucket, ns (to the histogram's precision).
    time_ns: u64,
    /// The bucket's share of the waits, and of the time waited: fractions of 1.
    count_share: f64,
    time_share: f64,
}

/// The figures of `lock`'s modes, if it is an `RwLock`.
fn modes(lock: &LockProfile) -> Option<Modes> {
    (lock.kind == LockKind::RwLock).then(|| Modes {
        read: lock.mode_part(lockprof::Mode::Shared).into(),
        write: lock.mode_part(lockprof::Mode::Exclusive).into(),
        upgradable: lock.mode_part(lockprof::Mode::Upgradable).into(),
    })
}

/// `lock`'s wait histogram in decades.
fn wait_histogram(lock: &LockProfile) -> Vec<HistogramBucket> {
    let buckets = log_buckets(&lock.wait.histogram(), DECADES);
    let shares = shares(&buckets);
    buckets
        .iter()
        .zip(shares)
        .map(|(b, (count, time))| HistogramBucket {
            from_ns: b.lo,
            to_ns: b.hi,
            count: b.count,
            time_ns: b.time,
            count_share: count / 100.0,
            time_share: time / 100.0,
        })
        .collect()
}

/// A site's row: its figures from the cells (`usage`), its distributions from its parts.
fn site(lock: &LockProfile, usage: crate::Usage) -> Site {
    let part = lock.site_part(&usage.name).unwrap_or_default();
    Site {
        waits: usage.cell.waits,
        wait_ns: usage.cell.wait_ns,
        blame_ns: usage.cell.blame_ns,
        blame_estimated_ns: usage.cell.blame_estimated_ns,
        acquisitions: part.acquisitions,
        contended: part.contended,
        wait: part.wait.stats(),
        hold: part.hold.stats(),
        site: usage.name,
    }
}

/// Writes the report as pretty-printed JSON and a newline (locks in the profile's order).
///
/// # Errors
/// Only errors of `out`.
pub fn write_json(profile: &Profile, mut out: impl Write) -> io::Result<()> {
    let report = Report {
        schema: SCHEMA,
        duration_ns: profile.duration_ns,
        dropped_events: profile.dropped_events,
        locks: profile
            .locks
            .iter()
            .map(|l| Lock {
                name: &l.name,
                id: (profile.grouping == Grouping::Instance).then_some(l.id),
                kind: l.kind.as_str(),
                instances: l.instances,
                acquisitions: l.acquisitions,
                contended: l.contended,
                wait_ns: l.wait.stats(),
                hold_ns: l.hold.stats(),
                holds_estimated: l.holds_estimated,
                blame_ns: l.blame_ns,
                blame_estimated_ns: l.blame_estimated_ns,
                unattributed_ns: l.unattributed_ns,
                modes: modes(l),
                wait_histogram: wait_histogram(l),
                holders: l
                    .holders()
                    .into_iter()
                    .map(|u| Holder {
                        thread: u.name,
                        task: u.task,
                        holds: u.cell.holds,
                        holds_estimated: u.cell.holds_estimated,
                        blame_ns: u.cell.blame_ns,
                        blame_estimated_ns: u.cell.blame_estimated_ns,
                    })
                    .collect(),
                waiters: l
                    .waiters()
                    .into_iter()
                    .map(|u| Waiter {
                        thread: u.name,
                        task: u.task,
                        waits: u.cell.waits,
                        wait_ns: u.cell.wait_ns,
                    })
                    .collect(),
                sites: l.sites().into_iter().map(|u| site(l, u)).collect(),
                waiter_stacks: l
                    .waiter_stacks()
                    .into_iter()
                    .take(JSON_TOP_STACKS)
                    .map(|u| WaiterStack {
                        stack: short_stack(&u.frames, SHORT_STACK_FRAMES),
                        frames: u.frames,
                        waits: u.cell.waits,
                        wait_ns: u.cell.wait_ns,
                    })
                    .collect(),
                holder_stacks: l
                    .holder_stacks()
                    .into_iter()
                    .take(JSON_TOP_STACKS)
                    .map(|u| HolderStack {
                        stack: short_stack(&u.frames, SHORT_STACK_FRAMES),
                        frames: u.frames,
                        holds: u.cell.holds,
                        blame_ns: u.cell.blame_ns,
                    })
                    .collect(),
                pairs: l
                    .pairs
                    .iter()
                    .take(JSON_TOP_STACKS)
                    .map(|p| PairRow {
                        waiter_thread: p.waiter_thread.clone(),
                        waiter_stack: short_stack(&p.waiter_frames, SHORT_STACK_FRAMES),
                        waiter_frames: p.waiter_frames.clone(),
                        holder_thread: p.holder_thread.clone(),
                        holder_stack: short_stack(&p.holder_frames, SHORT_STACK_FRAMES),
                        holder_frames: p.holder_frames.clone(),
                        waits: p.waits,
                        wait_ns: p.wait_ns,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
