//! `lockprof pprof` read by a real consumer, `go tool pprof`: a ground-truth run's profiles must
//! show the lock, the site and the threads, and totals equal to the report's (and so to the
//! truth). Skipped, saying so, where `go` is not installed, unless `LOCKPROF_REQUIRE_GO=1`
//! (set by `.ci/run`, which installs it), which makes a missing `go` a failure.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use common::ground_truth::{ROUNDS, ns, record};

/// Set to `1` to fail instead of skipping when `go` is missing.
const REQUIRE_GO: &str = "LOCKPROF_REQUIRE_GO";

/// Whether `go` runs; panics if it does not and it is required.
fn go_available() -> bool {
    let found = Process::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var(REQUIRE_GO).as_deref() != Ok("1"),
            "`go` is not installed but {REQUIRE_GO}=1: install golang-go (.ci/run does)"
        );
        // Straight to stderr: the test harness captures `println!` and `eprintln!` of passing
        // tests, and a skip should be seen.
        let _ = writeln!(
            std::io::stderr(),
            "pprof_go: skipped: `go` is not installed (Debian: apt-get install golang-go)"
        );
    }
    found
}

fn lockprof(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `go tool pprof ARGS PROFILE`'s output; it must succeed.
fn pprof(args: &[&str], profile: &Path) -> String {
    let out = Process::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .arg(profile)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go tool pprof {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The total of `go tool pprof -top`: `Showing nodes accounting for X, 100% of TOTAL total`.
fn total(top: &str) -> u64 {
    let line = top
        .lines()
        .find(|l| l.starts_with("Showing nodes accounting for"))
        .unwrap_or_else(|| panic!("no total in\n{top}"));
    let of = line.split(" of ").nth(1).unwrap();
    let number = of.trim_end_matches(" total").trim_end_matches("ns");
    number.parse().unwrap_or_else(|_| panic!("{line}"))
}

#[test]
fn go_tool_pprof_reads_the_wait_and_blame_profiles() {
    if !go_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("gt.lptrace");
    let (_, truth) = record(&trace);
    let trace = trace.to_str().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&lockprof(&[
        "report",
        trace,
        "--format",
        "json",
        "--lock",
        "ground-truth",
    ]))
    .unwrap();
    let lock = &report["locks"][0];
    let site = |thread: &str| -> String {
        // The site each thread acquires at is the one it waited or was blamed at.
        let field = if thread == "waiter" {
            "wait_ns"
        } else {
            "blame_ns"
        };
        let sites = lock["sites"].as_array().unwrap();
        let best = sites.iter().max_by_key(|s| s[field].as_u64()).unwrap();
        best["site"].as_str().unwrap().to_owned()
    };

    let wait = dir.path().join("wait.pb.gz");
    lockprof(&["pprof", trace, "-o", wait.to_str().unwrap()]);
    let top = pprof(&["-top", "-unit=ns"], &wait);
    assert!(top.contains("Type: delay"), "{top}");
    for name in ["ground-truth", "waiter", &site("waiter")] {
        assert!(top.contains(name), "{name} missing from\n{top}");
    }
    let wait_total = lock["wait_ns"]["total"].as_u64().unwrap();
    assert_eq!(total(&top), wait_total, "{top}");
    let truth_total: u64 = truth.waits.iter().copied().map(ns).sum();
    assert!(
        wait_total.abs_diff(truth_total) <= 2_000_000 * u64::from(ROUNDS),
        "{wait_total} vs truth {truth_total}"
    );
    let contentions = pprof(&["-top", "-sample_index=contentions"], &wait);
    assert_eq!(total(&contentions), u64::from(ROUNDS), "{contentions}");

    // -traces lists each stack leaf first: the lock, its site, …, the thread.
    let traces = pprof(&["-traces"], &wait);
    let stack: Vec<&str> = traces
        .split("-----------+")
        .find(|t| t.contains("ground-truth"))
        .unwrap_or_else(|| panic!("{traces}"))
        .lines()
        .map(|l| l.split_whitespace().last().unwrap_or(""))
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .collect();
    assert_eq!(stack.first(), Some(&"ground-truth"), "{traces}");
    assert_eq!(
        stack.get(1).copied(),
        Some(site("waiter").as_str()),
        "{traces}"
    );
    assert_eq!(stack.last(), Some(&"waiter"), "{traces}");

    let blame = dir.path().join("blame.pb.gz");
    lockprof(&[
        "pprof",
        trace,
        "--view",
        "blame",
        "-o",
        blame.to_str().unwrap(),
    ]);
    let top = pprof(&["-top", "-unit=ns"], &blame);
    for name in ["ground-truth", "holder", &site("holder")] {
        assert!(top.contains(name), "{name} missing from\n{top}");
    }
    assert!(
        !top.contains("waiter"),
        "the waiter made no one wait:\n{top}"
    );
    let blame_total = lock["blame_ns"].as_u64().unwrap();
    assert_eq!(total(&top), blame_total, "{top}");
    let during: u64 = truth.during_holds.iter().copied().map(ns).sum();
    assert!(
        blame_total.abs_diff(during) <= 200_000 * u64::from(ROUNDS),
        "{blame_total} vs {during} ns of waiting during the holds"
    );
}
