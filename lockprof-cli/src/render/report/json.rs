//! The JSON report: the `lockprof.report/1` schema, field for field (the README names it; the
//! serialized structs below are its definition).

use std::io::{self, Write};

use serde::Serialize;

use crate::render::names::{SHORT_STACK_FRAMES, short_stack};
use crate::{Grouping, Profile, Stats};

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
                sites: l
                    .sites()
                    .into_iter()
                    .map(|u| Site {
                        site: u.name,
                        waits: u.cell.waits,
                        wait_ns: u.cell.wait_ns,
                        blame_ns: u.cell.blame_ns,
                        blame_estimated_ns: u.cell.blame_estimated_ns,
                    })
                    .collect(),
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
