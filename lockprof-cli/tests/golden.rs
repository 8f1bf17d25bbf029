//! Every output format of the sample trace, through the real binary, against fixtures in
//! `tests/data/golden/` (`LOCKPROF_BLESS=1` rewrites them).

mod common;

use std::path::Path;

use assert_cmd::Command;

fn lockprof() -> Command {
    Command::cargo_bin("lockprof").unwrap()
}

fn sample(dir: &Path) -> String {
    let path = dir.join("sample.lptrace");
    std::fs::write(&path, common::native(&common::sample_records())).unwrap();
    path.to_str().unwrap().to_owned()
}

fn stdout_of(args: &[&str]) -> String {
    let out = lockprof().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "lockprof {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_format_matches_its_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let trace = sample(dir.path());
    let t = trace.as_str();
    let cases: &[(&str, &[&str])] = &[
        ("report.txt", &["report", t]),
        ("report.json", &["report", t, "--format", "json"]),
        ("report.md", &["report", t, "--format", "markdown"]),
        (
            "report-blame-top1.txt",
            &["report", t, "--sort", "blame", "--top", "1"],
        ),
        (
            "report-contended.json",
            &["report", t, "--format", "json", "--sort", "contended"],
        ),
        ("report-lock-cache.txt", &["report", t, "--lock", "cache"]),
        ("histogram-wait.txt", &["histogram", t]),
        (
            "histogram-hold-ledger.txt",
            &["histogram", t, "--metric", "hold", "--lock", "ledger"],
        ),
        (
            "histogram-blame.txt",
            &["histogram", t, "--metric", "blame"],
        ),
        ("histogram-wait.hgrm", &["histogram", t, "--format", "hgrm"]),
        ("folded-wait.txt", &["folded", t]),
        ("folded-blame.txt", &["folded", t, "--view", "blame"]),
        ("folded-hold.txt", &["folded", t, "--view", "hold"]),
        ("report.html", &["html", t, "-o", "-"]),
    ];
    for (fixture, args) in cases {
        common::golden::check(&format!("golden/{fixture}"), &stdout_of(args));
    }
}

/// An `RwLock` used in every mode: the reports split it by mode, and the histogram by site and
/// mode.
#[test]
fn an_rwlock_by_mode_matches_its_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rwlock.lptrace");
    std::fs::write(&path, common::native(&common::rwlock_records())).unwrap();
    let t = path.to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("rwlock-report.txt", &["report", t]),
        ("rwlock-report.json", &["report", t, "--format", "json"]),
        ("rwlock-report.md", &["report", t, "--format", "markdown"]),
        ("rwlock-histogram-wait.txt", &["histogram", t]),
        ("rwlock-report.html", &["html", t, "-o", "-"]),
    ];
    for (fixture, args) in cases {
        common::golden::check(&format!("golden/{fixture}"), &stdout_of(args));
    }
}

#[test]
fn flamegraphs_match_their_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let trace = sample(dir.path());
    for view in ["wait", "blame", "hold"] {
        let svg = dir.path().join(format!("{view}.svg"));
        let out = lockprof()
            .args(["flamegraph", &trace, "--view", view, "-o"])
            .arg(&svg)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty() && out.stderr.is_empty());
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(" ns, "), "count name is ns");
        common::golden::check(&format!("golden/flamegraph-{view}.svg"), &svg);
    }
}

#[test]
fn json_report_follows_the_schema_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let trace = sample(dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["report", &trace, "--format", "json"])).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&json),
        ["dropped_events", "duration_ns", "locks", "schema"]
    );
    assert_eq!(json["schema"], "lockprof.report/1");
    let lock = &json["locks"][0];
    assert_eq!(
        keys(lock),
        [
            "acquisitions",
            "blame_estimated_ns",
            "blame_ns",
            "contended",
            "hold_ns",
            "holder_stacks",
            "holders",
            "holds_estimated",
            "instances",
            "kind",
            "name",
            "pairs",
            "sites",
            "unattributed_ns",
            "wait_histogram",
            "wait_ns",
            "waiter_stacks",
            "waiters"
        ]
    );
    assert_eq!(
        keys(&lock["wait_histogram"][0]),
        [
            "count",
            "count_share",
            "from_ns",
            "time_ns",
            "time_share",
            "to_ns"
        ]
    );
    let stats = ["count", "max", "mean", "p50", "p90", "p99", "p999", "total"];
    assert_eq!(keys(&lock["wait_ns"]), stats);
    assert_eq!(keys(&lock["hold_ns"]), stats);
    assert_eq!(
        keys(&lock["holders"][0]),
        [
            "blame_estimated_ns",
            "blame_ns",
            "holds",
            "holds_estimated",
            "thread"
        ]
    );
    assert_eq!(keys(&lock["waiters"][0]), ["thread", "wait_ns", "waits"]);
    assert_eq!(
        keys(&lock["sites"][0]),
        [
            "acquisitions",
            "blame_estimated_ns",
            "blame_ns",
            "contended",
            "hold",
            "site",
            "wait",
            "wait_ns",
            "waits"
        ]
    );
    assert_eq!(keys(&lock["sites"][0]["wait"]), stats);
    assert_eq!(keys(&lock["sites"][0]["hold"]), stats);
    // Modes only for RwLocks: all three, each as the lock level.
    assert!(lock.get("modes").is_none(), "ledger is a mutex");
    let cache = &json["locks"][1];
    assert_eq!(cache["kind"], "rwlock");
    assert_eq!(keys(&cache["modes"]), ["read", "upgradable", "write"]);
    assert_eq!(
        keys(&cache["modes"]["read"]),
        [
            "acquisitions",
            "blame_estimated_ns",
            "blame_ns",
            "contended",
            "hold_ns",
            "holds_estimated",
            "wait_ns"
        ]
    );
    assert_eq!(keys(&cache["modes"]["write"]["wait_ns"]), stats);
}
