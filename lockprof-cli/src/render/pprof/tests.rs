//! Round trips: the profile written is decoded with the same message structs, gunzipped as
//! `go tool pprof` would, and must hold the flamegraph's stacks and the report's totals.

use std::io::Read;

use flate2::read::GzDecoder;
use lockprof::trace::{Hold, Record, Wait};
use lockprof::{LockKind, Mode};
use prost::Message;

use super::proto;
use super::{PprofOptions, PprofView, write_pprof};
use crate::flame::{Frames, folded_with};
use crate::{Aggregator, Error, Profile, TraceInput};

const MS: u64 = 1_000_000;

fn wait(thread: u64, site: u32, wait_ns: u64, at_ns: u64) -> Record {
    Record::Wait(Wait {
        lock: 1,
        mode: Mode::Exclusive,
        thread,
        site,
        holder: 0,
        wait_ns,
        at_ns,
        weight: 1,
        timed_out: false,
        stack: 0,
        holder_stack: 0,
        spans: 0,
        task: None,
    })
}

fn hold(thread: u64, site: u32, hold_ns: u64, blame_ns: u64, at_ns: u64) -> Record {
    Record::Hold(Hold {
        lock: 1,
        mode: Mode::Exclusive,
        thread,
        site,
        hold_ns,
        blame_ns,
        waiters: 1,
        at_ns,
        weight: 1,
        hold_exact: true,
        stack: 0,
        spans: 0,
        task: None,
    })
}

/// A lock named `lock` that `worker` waits for twice at `src/bank.rs:42` (10 and 20 ms), and
/// `flusher` holds once at `src/flush.rs:9`, blamed for 25 ms.
fn profile(lock: &str) -> Profile {
    let string = |id, value: &str| Record::String {
        id,
        value: value.to_owned(),
    };
    let records = [
        string(0, lock),
        string(1, "worker"),
        string(2, "flusher"),
        string(3, "src/bank.rs:42"),
        string(4, "src/flush.rs:9"),
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        Record::Thread { id: 2, name: 2 },
        hold(2, 4, 30 * MS, 25 * MS, 0),
        wait(1, 3, 10 * MS, MS),
        wait(1, 3, 20 * MS, 40 * MS),
    ];
    let mut agg = Aggregator::new();
    let mut input = TraceInput::new(&mut agg);
    for r in &records {
        input.record(r);
    }
    let mut profile = agg.finish();
    profile.group_classes();
    profile
}

fn decode(profile: &Profile, view: PprofView) -> proto::Profile {
    let mut gz = Vec::new();
    let opts = PprofOptions {
        view,
        ..PprofOptions::default()
    };
    write_pprof(profile, &opts, &mut gz, "test").unwrap();
    let mut bytes = Vec::new();
    GzDecoder::new(gz.as_slice())
        .read_to_end(&mut bytes)
        .unwrap();
    proto::Profile::decode(bytes.as_slice()).unwrap()
}

/// Every sample as (frames root first, joined by `;`, [contentions, delay]), checking on the way
/// that every id it uses is defined.
fn stacks(p: &proto::Profile) -> Vec<(String, Vec<i64>)> {
    let s = |i: i64| p.string_table[usize::try_from(i).unwrap()].as_str();
    p.sample
        .iter()
        .map(|sample| {
            let mut names: Vec<&str> = sample
                .location_id
                .iter()
                .map(|id| {
                    let loc = p.location.iter().find(|l| l.id == *id).unwrap();
                    assert_eq!(loc.line.len(), 1);
                    let f = p.function.iter().find(|f| f.id == loc.line[0].function_id);
                    s(f.unwrap().name)
                })
                .collect();
            names.reverse();
            (names.join(";"), sample.value.clone())
        })
        .collect()
}

#[test]
fn shaped_like_gos_mutex_and_block_profiles() {
    let p = decode(&profile("ledger"), PprofView::Wait);
    let s = |i: i64| p.string_table[usize::try_from(i).unwrap()].as_str();
    assert_eq!(s(0), "");
    let types: Vec<(&str, &str)> = p
        .sample_type
        .iter()
        .map(|t| (s(t.r#type), s(t.unit)))
        .collect();
    assert_eq!(types, [("contentions", "count"), ("delay", "nanoseconds")]);
    let period = p.period_type.unwrap();
    assert_eq!(
        (s(period.r#type), s(period.unit), p.period),
        ("contentions", "count", 1)
    );
    assert!(s(p.comment[0]).contains("wait view"));
    assert_eq!(p.duration_nanos, 40 * MS as i64);
}

#[test]
fn holds_the_flamegraphs_stacks_and_the_reports_totals() {
    let profile = profile("ledger");
    for view in [PprofView::Wait, PprofView::Blame] {
        let p = decode(&profile, view);
        let folded = folded_with(&profile, view.flame_view(), Frames::Both);
        let got: Vec<(String, i64)> = stacks(&p).into_iter().map(|(s, v)| (s, v[1])).collect();
        let want: Vec<(String, i64)> = folded.into_iter().map(|(s, ns)| (s, ns as i64)).collect();
        assert_eq!(got, want, "{view:?}");
    }
    let wait = stacks(&decode(&profile, PprofView::Wait));
    assert_eq!(
        wait,
        [(
            "worker;src/bank.rs:42;ledger".to_owned(),
            vec![2, 30 * MS as i64]
        )]
    );
    let blame = stacks(&decode(&profile, PprofView::Blame));
    assert_eq!(
        blame,
        [(
            "flusher;src/flush.rs:9;ledger".to_owned(),
            vec![1, 25 * MS as i64]
        )]
    );
}

#[test]
fn sites_carry_their_file_and_line() {
    let p = decode(&profile("ledger"), PprofView::Wait);
    let s = |i: i64| p.string_table[usize::try_from(i).unwrap()].as_str();
    let site = p
        .function
        .iter()
        .find(|f| s(f.name) == "src/bank.rs:42")
        .unwrap();
    assert_eq!(s(site.filename), "src/bank.rs");
    let loc = p
        .location
        .iter()
        .find(|l| l.line[0].function_id == site.id)
        .unwrap();
    assert_eq!(loc.line[0].line, 42);
    let lock = p.function.iter().find(|f| s(f.name) == "ledger").unwrap();
    assert_eq!(s(lock.filename), "");
}

#[test]
fn hostile_names_are_stored_once_and_terminal_safe() {
    let name = "<b>\"x\";y\n\x1b[2J\u{202e} ".repeat(70_000);
    let p = decode(&profile(&name), PprofView::Wait);
    let lock: Vec<&String> = p
        .string_table
        .iter()
        .filter(|s| s.starts_with("<b>"))
        .collect();
    assert_eq!(lock.len(), 1, "the name is in the string table once");
    assert!(lock[0].contains("\\n\\u{1b}[2J\\u{202e}"));
    assert!(
        p.string_table
            .iter()
            .all(|s| !s.chars().any(char::is_control))
    );
}

#[test]
fn nothing_to_write_is_an_error() {
    let mut profile = profile("ledger");
    for lock in &mut profile.locks {
        for s in &mut lock.stacks {
            s.cell.blame_ns = 0;
            s.cell.blamed_holds = 0;
        }
    }
    let opts = PprofOptions {
        view: PprofView::Blame,
        lock: Some("ledger".to_owned()),
    };
    let err = write_pprof(&profile, &opts, Vec::new(), "test").unwrap_err();
    assert!(
        matches!(err, Error::NothingToDraw { view: "blame", .. }),
        "{err}"
    );
}
