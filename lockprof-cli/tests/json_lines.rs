//! JSON lines from `tracing_subscriber::fmt().json()`, with and without `flatten_event`: the same
//! numbers as the native trace of the same events; other lines skipped and counted; spans become
//! flamegraph frames.

mod common;

use assert_cmd::Command;
use lockprof_cli::{LoadOptions, Notice, Source, load};

fn report_json(args: &[&str], stdin: Option<Vec<u8>>) -> (serde_json::Value, String) {
    let mut cmd = Command::cargo_bin("lockprof").unwrap();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[test]
fn nested_and_flattened_json_match_the_native_trace() {
    // The RwLock's trace has every mode: modes are read from both formats alike.
    for records in [common::sample_records(), common::rwlock_records()] {
        same_report_from_json_lines(&records);
    }
}

fn same_report_from_json_lines(records: &[lockprof::trace::Record]) {
    let (mut native, _) = report_json(
        &["report", "-", "--format", "json"],
        Some(common::native(records)),
    );
    // JSON logs have no drop records: the writer that drops is the native one.
    native["dropped_events"] = 0.into();
    for flatten in [false, true] {
        let lines = common::json_lines(records, flatten, 0, None);
        let first =
            String::from_utf8_lossy(&lines[..lines.iter().position(|&b| b == b'\n').unwrap()])
                .into_owned();
        assert_eq!(first.contains("\"fields\":{"), !flatten, "{first}");
        let (json, stderr) = report_json(&["report", "-", "--format", "json"], Some(lines));
        assert_eq!(json, native, "flatten_event({flatten})");
        assert!(stderr.is_empty(), "{stderr}");
    }
}

#[test]
fn other_lines_are_skipped_and_counted() {
    let records = common::sample_records();
    let mut lines = common::json_lines(&records, false, 2, None);
    lines.extend_from_slice(
        b"not json at all\n\n{\"target\":\"lockprof\",\"fields\":{\"event\":\"wait\"}}\n",
    );
    lines.extend_from_slice(b"{\"target\":\"lockprof\",\"fields\":{\"event\":\"summary\",\"lock\":\"x\",\"wait_hist\":\"!!\"}}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, &lines).unwrap();
    let loaded = load(&[Source::File(path.clone())], &LoadOptions::default()).unwrap();
    let events = 12; // waits, holds and summaries of the sample
    let noise = events / 2;
    match &loaded.notices[..] {
        [Notice::SkippedLines { stats, .. }] => {
            assert_eq!(stats.events, events);
            assert_eq!(stats.skipped, noise + 3);
            assert_eq!(stats.malformed, 2, "missing wait_ns; bad histogram");
            assert_eq!(stats.lines, events + noise + 4);
        }
        other => panic!("{other:?}"),
    }
    let (_, stderr) = report_json(
        &["report", path.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("lockprof: warning: "), "{stderr}");
    assert!(stderr.contains(&format!(
        "skipped {} of {} lines",
        noise + 3,
        events + noise + 4
    )));
}

#[test]
fn spans_become_frames() {
    let records = common::sample_records();
    for flatten in [false, true] {
        let lines = common::json_lines(&records, flatten, 0, Some("handle_request"));
        let out = Command::cargo_bin("lockprof")
            .unwrap()
            .args(["folded", "-"])
            .write_stdin(lines)
            .output()
            .unwrap();
        let folded = String::from_utf8(out.stdout).unwrap();
        assert!(
            folded.contains("worker-1;handle_request;src/bank.rs:42;ledger 60050000\n"),
            "{folded}"
        );
    }
}

#[test]
fn crlf_and_very_long_lines() {
    let records = common::sample_records();
    let lines = common::json_lines(&records, true, 0, None);
    let mut crlf = Vec::new();
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        crlf.extend_from_slice(line);
        crlf.extend_from_slice(b"\r\n");
    }
    crlf.extend(std::iter::repeat_n(b'x', lockprof_cli::MAX_LINE_LEN + 10));
    crlf.push(b'\n');
    let mut agg = lockprof_cli::Aggregator::new();
    let stats = lockprof_cli::JsonInput::new(&mut agg)
        .read(&crlf[..])
        .unwrap();
    assert_eq!(stats.events, 12);
    assert_eq!(stats.skipped, 1);
    assert_eq!(agg.finish().locks.len(), 3);
}
