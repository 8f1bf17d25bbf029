//! `lockprof timeline`: Chrome trace-event JSON that follows the format's rules (events on one
//! track nest, every flow has one start and one end bound to the right slices, times run forward
//! on each track), whose slices are a ground-truth run's waits and holds, the same from either
//! input format.

mod common;

use assert_cmd::Command;
use common::ground_truth::{ROUNDS, ns, record};
use common::trace_events::{Slice, check_format};
use common::{MS, hold, string, wait};
use lockprof::LockKind;
use lockprof::trace::Record;
use serde_json::Value;

/// Runs `lockprof timeline ARGS -o -` on `stdin` and returns the parsed JSON; it must succeed.
fn timeline(args: &[&str], stdin: Option<Vec<u8>>) -> Value {
    let mut cmd = Command::cargo_bin("lockprof").unwrap();
    cmd.arg("timeline").args(args).args(["-o", "-"]);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_ground_truth_run_on_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("gt.lptrace");
    let (json_lines, truth) = record(&trace);
    let native = timeline(&[trace.to_str().unwrap(), "--lock", "ground-truth"], None);
    let from_json = timeline(&["-", "--lock", "ground-truth"], Some(json_lines));
    assert_eq!(native, from_json, "the two formats of one run disagree");

    let (slices, flows) = check_format(&native);
    let on = |thread: &str, cat: &str| -> Vec<(&(u64, u64), &Slice)> {
        slices
            .iter()
            .flat_map(|(track, list)| list.iter().map(move |s| (track, s)))
            .filter(|(_, s)| s.cat == cat && s.args["thread"] == thread)
            .collect()
    };
    // Every wait of the run, as long as the waiter measured it.
    let waits = on("waiter", "wait");
    assert_eq!(waits.len(), ROUNDS as usize);
    for ((_, s), truth) in waits.iter().zip(&truth.waits) {
        assert_eq!(s.args["lock"], "ground-truth");
        assert_eq!(s.args["holder"], "holder");
        assert_eq!(s.args["wait_ns"], s.end - s.start);
        assert!(
            (s.end - s.start).abs_diff(ns(*truth)) <= 2 * MS,
            "{s:?} vs {truth:?}"
        );
    }
    // Every hold, blamed for the waiting during it; no hold of the waiter made anyone wait.
    let holds = on("holder", "hold");
    assert_eq!(holds.len(), ROUNDS as usize);
    assert!(on("waiter", "hold").is_empty());
    for ((_, s), during) in holds.iter().zip(&truth.during_holds) {
        let blame = s.args["blame_ns"].as_u64().unwrap();
        assert!(blame.abs_diff(ns(*during)) <= MS / 5, "{s:?} vs {during:?}");
        // An untimed hold is measured from the waiter's arrival: the blamed part. A timed one
        // (the lock is hot, or the hold is the sample) from its own start, which comes before
        // the waiter's arrival by however late the waiter ran (milliseconds on a loaded
        // machine): it covers the blamed part.
        let length = s.end - s.start;
        if s.args["hold_exact"] == true {
            assert!(length + 2 * MS >= ns(*during), "{s:?} vs {during:?}");
        } else {
            assert!(
                length.abs_diff(ns(*during)) <= 2 * MS,
                "{s:?} vs {during:?}"
            );
        }
    }
    // One arrow per round, from its hold to its wait.
    assert_eq!(flows.len(), ROUNDS as usize);
    let mut arrows: Vec<(u64, u64)> = flows
        .values()
        .map(|(from, hold, to, wait)| (slices[from][*hold].start, slices[to][*wait].start))
        .collect();
    arrows.sort_unstable();
    for (round, (hold, wait)) in arrows.iter().enumerate() {
        assert_eq!(*hold, holds[round].1.start);
        assert_eq!(*wait, waits[round].1.start);
    }
}

/// Thread 1 holds `a` and `b` hand over hand (their holds overlap without nesting) while
/// threads 2 and 3 wait for them; thread 2 waits for `b` inside its own hold of `c`.
fn overlapping_records() -> Vec<Record> {
    let mut records = vec![
        string(0, "a"),
        string(1, "b"),
        string(2, "c"),
        string(3, "t1"),
        string(4, "t2"),
        string(5, "t3"),
        string(6, "x.rs:1"),
    ];
    for (id, name) in [(1, 0), (2, 1), (3, 2)] {
        records.push(common::lock(id, name, LockKind::Mutex));
    }
    for (id, name) in [(1, 3), (2, 4), (3, 5)] {
        records.push(Record::Thread { id, name });
    }
    records.extend([
        hold(1, 1, 6, 10 * MS, 4 * MS, 0),
        hold(2, 1, 6, 10 * MS, 6 * MS, 5 * MS),
        wait(1, 3, 6, 4 * MS, 5 * MS, 1),
        hold(3, 2, 6, 20 * MS, 3 * MS, 2 * MS),
        wait(2, 2, 6, 6 * MS, 8 * MS, 1),
        wait(3, 3, 6, 3 * MS, 15 * MS, 1),
    ]);
    records
}

#[test]
fn overlapping_holds_get_a_track_of_their_own() {
    let json = timeline(&["-"], Some(common::native(&overlapping_records())));
    let (slices, flows) = check_format(&json);
    let names: Vec<String> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["t1", "t1 (overlapping 2)", "t2", "t3"]);
    assert_eq!(slices.values().map(Vec::len).sum::<usize>(), 6);
    // a's hold caused t3's first wait; b's caused t2's wait; c's (held by t2) t3's second.
    assert_eq!(flows.len(), 3);
    let arrow = |f: &((u64, u64), usize, (u64, u64), usize)| {
        let (hold, wait) = (&slices[&f.0][f.1], &slices[&f.2][f.3]);
        (hold.args["lock"].clone(), wait.args["thread"].clone())
    };
    let mut arrows: Vec<(Value, Value)> = flows.values().map(arrow).collect();
    arrows.sort_by_key(|(l, t)| (l.to_string(), t.to_string()));
    assert_eq!(
        arrows,
        [("a", "t3"), ("b", "t2"), ("c", "t3")].map(|(l, t)| (Value::from(l), Value::from(t)))
    );
}

#[test]
fn no_events_is_a_clear_error() {
    // Only a summary: its waits have no times.
    let records = [
        string(0, "quiet"),
        string(1, "t"),
        string(2, "x.rs:1"),
        common::lock(1, 0, LockKind::Mutex),
        Record::Thread { id: 1, name: 1 },
        common::summary(1, 1, 2, MS, 10, 2, &[(5_000, 2)], &[], 0),
    ];
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["timeline", "-", "-o", "-"])
        .write_stdin(common::native(&records))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("lockprof: nothing to draw: no wait or hold events with a start time"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
