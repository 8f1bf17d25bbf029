//! The real binary on bad input: one clear `lockprof: ` line on stderr, exit code 2 (0 for a
//! truncated trace and a closed stdout), never a panic.

mod common;

use std::io::{Read, Write};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;

fn lockprof() -> Command {
    Command::cargo_bin("lockprof").unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut cmd = lockprof();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r
}

/// Exit code 2 and exactly one stderr line, starting `lockprof: `, containing every `needle`.
fn fails_with(args: &[&str], stdin: Option<Vec<u8>>, needles: &[&str]) {
    let r = run(args, stdin);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    assert!(r.stderr.starts_with("lockprof: "), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "{:?} lacks {n:?}", r.stderr);
    }
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn missing_file() {
    fails_with(
        &["report", "/nonexistent/x.lptrace"],
        None,
        &["/nonexistent/x.lptrace", "cannot open"],
    );
}

#[test]
fn directory() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        &["report", dir.path().to_str().unwrap()],
        None,
        &["is a directory"],
    );
}

#[test]
fn empty_file_and_empty_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "empty.lptrace", b"");
    fails_with(&["report", &f], None, &["empty.lptrace", "is empty"]);
    fails_with(&["report", "-"], Some(Vec::new()), &["<stdin>", "is empty"]);
}

#[test]
fn wrong_format() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "notes.txt", b"hello, this is not a trace\n");
    fails_with(
        &["report", &f],
        None,
        &["notes.txt", "not a lockprof trace"],
    );
    let f = temp_file(
        &dir,
        "app.log",
        b"{\"target\":\"app\",\"fields\":{}}\n{\"a\":1}\n",
    );
    fails_with(
        &["report", &f],
        None,
        &["app.log", "no lockprof events in 2 lines"],
    );
}

#[test]
fn truncated_trace_warns_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let full = common::native(&common::sample_records());
    // Drop the end marker and the last 3 bytes of the last record.
    let cut = &full[..full.len() - 2 - 3];
    let f = temp_file(&dir, "cut.lptrace", cut);
    let r = run(&["report", &f], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("lockprof: warning: "), "{}", r.stderr);
    assert!(r.stderr.contains("cut off inside a record"), "{}", r.stderr);
    assert!(r.stdout.contains("ledger (mutex)"), "{}", r.stdout);

    // Cut at a record boundary: no end marker, a softer warning.
    let f = temp_file(&dir, "unfinished.lptrace", &full[..full.len() - 2]);
    let r = run(&["report", &f], None);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("no end marker"), "{}", r.stderr);
}

#[test]
fn corrupt_record_names_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let records = common::sample_records();
    let mut bytes = common::native(&records);
    let offset = common::native(&records[..12]).len() - 2;
    bytes[offset] = 0;
    let f = temp_file(&dir, "bad.lptrace", &bytes);
    fails_with(
        &["report", &f],
        None,
        &["bad.lptrace", &format!("byte {offset}")],
    );
}

#[test]
fn unsupported_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = common::native(&common::sample_records());
    bytes[8] = 99;
    let f = temp_file(&dir, "future.lptrace", &bytes);
    fails_with(&["report", &f], None, &["version 99"]);
}

#[test]
fn unknown_lock() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "t.lptrace",
        &common::native(&common::sample_records()),
    );
    for cmd in ["report", "histogram", "folded"] {
        fails_with(
            &[cmd, &f, "--lock", "ledgr\x1b[2J"],
            None,
            &[
                "no lock named \"ledgr\\u{1b}[2J\"",
                "\"cache\", \"ledger\", \"quiet\"",
            ],
        );
    }
}

#[test]
fn nothing_to_draw() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "t.lptrace",
        &common::native(&common::sample_records()),
    );
    let svg = dir.path().join("x.svg");
    fails_with(
        &[
            "flamegraph",
            &f,
            "--lock",
            "quiet",
            "-o",
            svg.to_str().unwrap(),
        ],
        None,
        &["nothing to draw", "quiet"],
    );
}

#[test]
fn stdin_and_several_inputs() {
    let trace = common::native(&common::sample_records());
    let r = run(&["report", "-", "--format", "json"], Some(trace.clone()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["locks"].as_array().unwrap().len(), 3);

    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "t.lptrace", &trace);
    let r = run(&["report", &f, "-", "--format", "json"], Some(trace));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["locks"].as_array().unwrap().len(),
        6,
        "two processes: locks stay distinct"
    );
    assert_eq!(v["dropped_events"], 14);
    let r = run(&["report", &f, &f, "--top", "2"], None);
    assert!(r.stdout.contains("ledger (input 1) (mutex)") && r.stdout.contains("ledger (input 2)"));
}

#[test]
fn closed_stdout_is_success() {
    let dir = tempfile::tempdir().unwrap();
    // Enough locks, sites and threads that every output outgrows the pipe buffer (64 KiB):
    // `folded`'s, about 110 KB, is the smallest. Each part costs the debug binary time, so no more.
    let f = temp_file(
        &dir,
        "big.lptrace",
        &common::native(&common::synthetic_records(8_000, 1000, 2, 4)),
    );
    for args in [
        &["report", &f][..],
        &["folded", &f][..],
        &["report", &f, "--format", "json"][..],
    ] {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("lockprof"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{stderr}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&["report"], None);
    assert_eq!(r.code, 2);
    let r = run(&["report", "x", "--sort", "nope"], None);
    assert_eq!(r.code, 2);
    let r = run(&["--help"], None);
    assert_eq!(r.code, 0);
    let mut out = Vec::new();
    write!(out, "{}", r.stdout).unwrap();
    for cmd in ["report", "histogram", "flamegraph", "folded", "demo"] {
        assert!(r.stdout.contains(cmd), "{}", r.stdout);
    }
}
