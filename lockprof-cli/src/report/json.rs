//! The JSON report: DESIGN.md's `lockprof.report/1` schema, field for field.

use std::io::{self, Write};

use serde::Serialize;

use crate::{Profile, Stats};

/// The `schema` value of the JSON report.
pub const SCHEMA: &str = "lockprof.report/1";

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
    kind: &'static str,
    acquisitions: u64,
    contended: u64,
    wait_ns: Stats,
    hold_ns: Stats,
    blame_ns: u64,
    holders: Vec<Holder>,
    waiters: Vec<Waiter>,
    sites: Vec<Site>,
}

#[derive(Serialize)]
struct Holder {
    thread: String,
    holds: u64,
    blame_ns: u64,
}

#[derive(Serialize)]
struct Waiter {
    thread: String,
    waits: u64,
    wait_ns: u64,
}

#[derive(Serialize)]
struct Site {
    site: String,
    waits: u64,
    wait_ns: u64,
    blame_ns: u64,
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
                kind: l.kind.as_str(),
                acquisitions: l.acquisitions,
                contended: l.contended,
                wait_ns: l.wait.stats(),
                hold_ns: l.hold.stats(),
                blame_ns: l.blame_ns,
                holders: l
                    .holders()
                    .into_iter()
                    .map(|u| Holder {
                        thread: u.name,
                        holds: u.cell.holds,
                        blame_ns: u.cell.blame_ns,
                    })
                    .collect(),
                waiters: l
                    .waiters()
                    .into_iter()
                    .map(|u| Waiter {
                        thread: u.name,
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
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
