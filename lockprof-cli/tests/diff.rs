//! `lockprof diff` through the real binary: the sample before and after a change, in every
//! format against fixtures; `--fail-on` exit codes (1 names the lock, 0 otherwise, 2 for bad
//! input); the differential flamegraph; stdin for one run.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// Writes the sample and the sample after a change; returns their paths.
fn runs(dir: &Path) -> (String, String) {
    let write = |name: &str, records: Vec<lockprof::trace::Record>| {
        let path = dir.join(name);
        std::fs::write(&path, common::native(&records)).unwrap();
        path.to_str().unwrap().to_owned()
    };
    (
        write("base.lptrace", common::sample_records()),
        write("new.lptrace", common::sample_after_records()),
    )
}

/// `lockprof ARGS`: exit code, stdout, stderr.
fn lockprof(args: &[&str], stdin: Option<Vec<u8>>) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("lockprof").unwrap();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn every_format_matches_its_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = runs(dir.path());
    // The fixtures name the runs as given: relative to the directory.
    let cases: &[(&str, &[&str])] = &[
        ("diff.txt", &["diff", "base.lptrace", "new.lptrace"]),
        (
            "diff.json",
            &["diff", "base.lptrace", "new.lptrace", "--format", "json"],
        ),
        (
            "diff.md",
            &[
                "diff",
                "base.lptrace",
                "new.lptrace",
                "--format",
                "markdown",
                "--fail-on",
                "wait.p99=+20%",
            ],
        ),
    ];
    for (fixture, args) in cases {
        let out = Command::cargo_bin("lockprof")
            .unwrap()
            .current_dir(dir.path())
            .args(*args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        common::golden::check(&format!("golden/{fixture}"), &stdout);
    }
    let _ = (base, new);
}

#[test]
fn fail_on_exits_1_and_names_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = runs(dir.path());
    // ledger's p99 went from 30 to 45 ms: +50 %.
    let (code, stdout, stderr) =
        lockprof(&["diff", &base, &new, "--fail-on", "wait.p99=+20%"], None);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("lockprof: regression: lock \"ledger\" (mutex): wait.p99 grew +50"),
        "{stderr}"
    );
    assert!(stdout.contains("regression: lock \"ledger\""), "{stdout}");
    // ledger's is not past +60 %, but fresh's grew from 0: past any threshold.
    let (code, _, stderr) = lockprof(&["diff", &base, &new, "--fail-on", "wait.p99=+60%"], None);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("lock \"fresh\" (mutex): wait.p99 grew from 0 (0 ns → 2.00 ms)"));
    assert!(!stderr.contains("ledger"), "{stderr}");
    let (code, _, stderr) = lockprof(
        &[
            "diff",
            &base,
            &new,
            "--fail-on",
            "wait.p99=+60%",
            "--lock",
            "ledger",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    // Several thresholds, one of them passed.
    let (code, _, stderr) = lockprof(
        &[
            "diff",
            &base,
            &new,
            "--fail-on",
            "wait.p99=+60%",
            "--fail-on",
            "acquisitions=+50%",
        ],
        None,
    );
    assert_eq!(code, 1);
    // quiet: 50 → 80 acquisitions (+60 %); fresh is new: from 0, past any threshold.
    assert!(
        stderr.contains("lock \"quiet\" (mutex): acquisitions grew +60.0%"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lock \"fresh\" (mutex): acquisitions grew from 0"),
        "{stderr}"
    );
    assert!(!stderr.contains("ledger"), "{stderr}");
    // A lock that is gone did not grow; --lock keeps the comparison to one lock.
    let (code, stdout, _) = lockprof(
        &[
            "diff",
            &base,
            &new,
            "--fail-on",
            "wait.total=+0%",
            "--lock",
            "cache",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(
        stdout.contains("cache (rwlock)") && !stdout.contains("ledger"),
        "{stdout}"
    );
    // The same run twice: nothing grew.
    let (code, _, _) = lockprof(&["diff", &base, &base, "--fail-on", "blame=+0%"], None);
    assert_eq!(code, 0);
}

#[test]
fn errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = runs(dir.path());
    for (args, says) in [
        (
            vec!["diff", &base, &new, "--fail-on", "wait.p99"],
            "METRIC=+PCT",
        ),
        (
            vec!["diff", &base, &new, "--fail-on", "latency=+5%"],
            "wait.p99",
        ),
        (vec!["diff", "-", "-"], "only one of them"),
        (vec!["diff", &base, "missing.lptrace"], "missing.lptrace"),
        (
            vec!["diff", &base, &new, "--lock", "nope"],
            "no lock named \"nope\"",
        ),
    ] {
        let (code, _, stderr) = lockprof(&args, Some(Vec::new()));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn stdin_for_one_run_and_the_differential_flamegraph() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = runs(dir.path());
    let svg = dir.path().join("diff.svg");
    let (code, json, stderr) = lockprof(
        &[
            "diff",
            &base,
            "-",
            "--format",
            "json",
            "--flamegraph",
            svg.to_str().unwrap(),
        ],
        Some(std::fs::read(&new).unwrap()),
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["schema"], "lockprof.diff/1");
    assert_eq!(json["new"]["input"], "<stdin>");
    let ledger = &json["locks"][0];
    assert_eq!(ledger["name"], "ledger");
    assert_eq!(ledger["base"]["wait_ns"]["total"], 70_050_000);
    assert_eq!(ledger["new"]["wait_ns"]["total"], 85_050_000);
    assert_eq!(
        ledger["change"]["wait.max"].as_f64().map(f64::round),
        Some(50.0)
    );
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    common::golden::check("golden/diff-wait.svg", &svg);
    // worker-1's wait at bank.rs:42 grew: a red frame (inferno's differential colours).
    assert!(svg.contains("rgb(255,"), "no frame drawn as grown");
    // Runs that never waited: no flamegraph, a note, and still the diff.
    let quiet = dir.path().join("quiet.lptrace");
    std::fs::write(
        &quiet,
        common::native(&[
            common::string(0, "q"),
            common::string(1, "t"),
            common::string(2, "s:1"),
            common::lock(1, 0, lockprof::LockKind::Mutex),
            lockprof::trace::Record::Thread { id: 1, name: 1 },
            common::summary(1, 1, 2, 10, 5, 0, &[], &[], 0),
        ]),
    )
    .unwrap();
    let none = dir.path().join("none.svg");
    let q = quiet.to_str().unwrap();
    let (code, _, stderr) = lockprof(
        &["diff", q, q, "--flamegraph", none.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no differential flamegraph"), "{stderr}");
    assert!(!none.exists());
}
