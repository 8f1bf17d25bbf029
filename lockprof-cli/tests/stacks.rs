//! Native waiter and holder stacks, paired, and span context, from a
//! real program through the lockprof Layer, the trace file and the CLI.
//!
//! `waiter_path` waits on the `ledger` lock held by `holder_path`, which sleeps inside its critical
//! section. The wait view's folded stacks must hold `waiter_path` with the time the waiter measured
//! itself (within 10%), the blame view `holder_path`, and the paired wait both.
//!
//! One test per file on purpose: it installs the process-wide subscriber.

mod stacks_workload;

use std::path::Path;

use assert_cmd::Command;
use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{LoadOptions, Profile, Source, load};
use tracing_subscriber::layer::SubscriberExt as _;

/// Whether `frame` is the function `name` of this test: its full path with full debug info
/// (`stacks::stacks_workload::waiter_path`), its bare name with line-tables-only (release).
fn is_fn(frame: &str, name: &str) -> bool {
    frame == name || frame.ends_with(&format!("stacks_workload::{name}"))
}

fn weight_of(lines: &[(String, u64)], frame: &str) -> u64 {
    lines
        .iter()
        .filter(|(stack, _)| stack.split(';').any(|f| is_fn(f, frame)))
        .map(|(_, ns)| ns)
        .sum()
}

fn load_trace(path: &Path) -> Profile {
    load(&[Source::File(path.to_owned())], &LoadOptions::default())
        .expect("the trace loads")
        .profile
}

#[test]
fn waiter_and_holder_stacks_reach_the_flamegraphs_paired() {
    // Whatever LOCKPROF_STACKS says: this test is about stacks.
    lockprof::config::set_stack_capture(true);
    let dir = tempfile::tempdir().unwrap();
    let path = match std::env::var_os("LOCKPROF_STACKS_KEEP") {
        Some(keep) => std::path::PathBuf::from(keep),
        None => dir.path().join("stacks.lptrace"),
    };
    let (layer, guard) = lockprof::layer().with_path(&path).build().unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();
    let waited = stacks_workload::run();
    drop(guard);

    let profile = load_trace(&path);
    let waiter = "waiter_path";
    let holder = "holder_path";

    // Wait view: the waiter's stack, weighted by what it measured itself.
    let wait = folded_with(&profile, View::Wait, Frames::Native);
    let ns = weight_of(&wait, waiter) as f64;
    let measured = waited.as_nanos() as f64;
    assert!(
        (ns - measured).abs() <= 0.1 * measured,
        "waiter_path weighs {ns} ns in the wait view, the waiter measured {measured} ns: {wait:#?}"
    );
    assert_eq!(weight_of(&wait, holder), 0, "{wait:#?}");

    // Blame view: the holder's stack carries most of the blame. (Not all of it: the waiter's
    // wake-up after the holder's release is charged to the next measured release, the waiter's
    // own; on a busy machine that is milliseconds.)
    let blame = folded_with(&profile, View::Blame, Frames::Native);
    let blamed = weight_of(&blame, holder) as f64;
    assert!(
        blamed >= 0.5 * measured,
        "holder_path is blamed {blamed} ns of {measured}: {blame:#?}"
    );
    assert!(
        folded_with(&profile, View::Hold, Frames::Native)
            .iter()
            .any(|(s, _)| s.contains(holder))
    );

    // Span context above the native frames.
    let both = folded_with(&profile, View::Wait, Frames::Both);
    assert!(
        both.iter()
            .any(|(s, _)| s.starts_with("waiter;settle;") && s.contains(waiter)),
        "{both:#?}"
    );

    // The paired record names both.
    let ledger = profile
        .locks
        .iter()
        .find(|l| l.name == "ledger")
        .expect("ledger");
    let pair = ledger
        .pairs
        .iter()
        .find(|p| p.waiter_frames.iter().any(|f| is_fn(f, waiter)))
        .unwrap_or_else(|| panic!("no pair with the waiter's stack: {:#?}", ledger.pairs));
    assert_eq!(pair.waiter_thread, "waiter");
    assert_eq!(pair.holder_thread, "holder");
    assert!(
        pair.holder_frames.iter().any(|f| is_fn(f, holder)),
        "{pair:#?}"
    );
    assert_eq!(pair.waits, stacks_workload::ROUNDS as u64);

    // The same through the binary.
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["folded", "--view", "blame", "--frames", "native"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(holder));
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["report", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lock = &report["locks"][0];
    assert_eq!(lock["name"], "ledger");
    let leaf = lock["waiter_stacks"][0]["stack"].as_str().unwrap();
    assert!(is_fn(leaf.split(" <- ").next().unwrap(), waiter), "{leaf}");
    let leaf = lock["holder_stacks"][0]["stack"].as_str().unwrap();
    assert!(is_fn(leaf.split(" <- ").next().unwrap(), holder), "{leaf}");
    assert_eq!(lock["pairs"][0]["holder_thread"], "holder");
}
