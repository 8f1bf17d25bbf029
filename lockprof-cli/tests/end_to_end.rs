//! Real locks, real Layer: a program with known ground truth is profiled into a native trace and,
//! in the same run, into tracing JSON lines; the CLI's numbers must match the truth and each other.

mod common;

use assert_cmd::Command;
use common::ground_truth::{HOLD, ROUNDS, Truth, record};

#[test]
fn ground_truth_through_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("gt.lptrace");
    let (
        json,
        Truth {
            waits,
            during_holds,
        },
    ) = record(&trace);
    let truth: u64 = waits.iter().map(|d| d.as_nanos() as u64).sum();

    let report = |args: &[&str], stdin: Option<Vec<u8>>| -> serde_json::Value {
        let mut cmd = Command::cargo_bin("lockprof").unwrap();
        cmd.args(args);
        if let Some(s) = stdin {
            cmd.write_stdin(s);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let native = report(
        &[
            "report",
            trace.to_str().unwrap(),
            "--format",
            "json",
            "--lock",
            "ground-truth",
        ],
        None,
    );
    let from_json = report(
        &["report", "-", "--format", "json", "--lock", "ground-truth"],
        Some(json),
    );
    assert_eq!(native, from_json, "the two formats of one run disagree");

    let lock = &native["locks"][0];
    assert_eq!(lock["contended"], ROUNDS);
    let wait = &lock["wait_ns"];
    assert_eq!(wait["count"], ROUNDS);
    let total = wait["total"].as_u64().unwrap();
    // Measured from inside the lock vs around the call: equal to within scheduling noise.
    let slack = 2_000_000 * u64::from(ROUNDS);
    assert!(
        total.abs_diff(truth) <= slack,
        "wait total {total} vs truth {truth}"
    );
    let p99 = wait["p99"].as_u64().unwrap();
    let max_truth = waits.iter().max().unwrap().as_nanos() as u64;
    assert!(
        p99.abs_diff(max_truth) <= 2_000_000,
        "p99 {p99} vs longest wait {max_truth}"
    );
    assert!(p99 >= HOLD.as_nanos() as u64 / 2);

    // The holder is blamed, exactly, for the waiting during its holds.
    let blame_truth: u64 = during_holds.iter().map(|d| d.as_nanos() as u64).sum();
    let holders = lock["holders"].as_array().unwrap();
    let holder = holders.iter().find(|h| h["thread"] == "holder").unwrap();
    assert!(
        holder["blame_ns"].as_u64().unwrap().abs_diff(blame_truth) <= 200_000 * u64::from(ROUNDS),
        "{holder} vs {blame_truth} ns of waiting during its holds"
    );
    assert!(blame_truth >= u64::from(ROUNDS) * HOLD.as_nanos() as u64 / 2);
    assert_eq!(lock["waiters"][0]["thread"], "waiter");
    assert_eq!(lock["waiters"][0]["waits"], ROUNDS);
}

#[test]
fn demo_writes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["demo", "--duration-ms", "400"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for f in [
        "trace.lptrace",
        "report.txt",
        "wait.svg",
        "blame.svg",
        "report.html",
        "wait.pb.gz",
        "blame.pb.gz",
    ] {
        let p = dir.path().join(f);
        assert!(p.metadata().unwrap().len() > 0, "{f}");
        assert!(stdout.contains(p.to_str().unwrap()), "{stdout}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains(">hot</a>") && html.contains("<iframe class=\"flame\""));
    // pprof files are gzip.
    let pprof = std::fs::read(dir.path().join("blame.pb.gz")).unwrap();
    assert_eq!(pprof[..2], [0x1f, 0x8b]);
    let report = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    let hot = report.find("\nhot (mutex)").expect(&report);
    for name in ["mild (mutex)", "uncontended (mutex)"] {
        assert!(
            report.find(name).unwrap() > hot,
            "hot is listed first:\n{report}"
        );
    }
    assert!(report.contains("flusher"), "{report}");
}
