//! Real locks, real Layer: a program with known ground truth is profiled into a native trace and,
//! in the same run, into tracing JSON lines; the CLI's numbers must match the truth and each other.

mod common;

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tracing_subscriber::layer::SubscriberExt;

static GT: lockprof::Mutex<u32> = lockprof::Mutex::named("ground-truth", 0);

const ROUNDS: u32 = 5;
const HOLD: Duration = Duration::from_millis(30);

/// What the two threads measured themselves.
struct Truth {
    /// Each wait, from just before `lock()` to holding the guard.
    waits: Vec<Duration>,
    /// Each wait's part during the holder's hold: from its start to the holder's release. The
    /// rest of a wait (the waiter waking up after the release) is no hold's doing, and lockprof
    /// charges it to the next measured release instead.
    during_holds: Vec<Duration>,
}

/// `holder` takes the lock, lets `waiter` start waiting, holds it for `HOLD`; five times.
fn workload(dispatch: &tracing::Dispatch) -> Truth {
    let start = Barrier::new(2);
    let locked = Barrier::new(2);
    let done = Barrier::new(2);
    let releases = std::sync::Mutex::new(Vec::new());
    let (starts, waits) = thread::scope(|s| {
        let holder = thread::Builder::new()
            .name("holder".into())
            .spawn_scoped(s, || {
                tracing::dispatcher::with_default(dispatch, || {
                    start.wait();
                    for _ in 0..ROUNDS {
                        let g = GT.lock();
                        locked.wait();
                        thread::sleep(HOLD);
                        releases.lock().unwrap().push(Instant::now());
                        drop(g);
                        done.wait();
                    }
                    lockprof::flush();
                })
            });
        let waiter = thread::Builder::new()
            .name("waiter".into())
            .spawn_scoped(s, || {
                tracing::dispatcher::with_default(dispatch, || {
                    start.wait();
                    let (mut starts, mut waits) = (Vec::new(), Vec::new());
                    for _ in 0..ROUNDS {
                        locked.wait();
                        let t = Instant::now();
                        starts.push(t);
                        let mut guard = GT.lock();
                        // The wait ends when the guard is ours: the release after it records
                        // and may emit (and, the first time, symbolize stacks), which is not
                        // waiting.
                        waits.push(t.elapsed());
                        *guard += 1;
                        drop(guard);
                        done.wait();
                    }
                    lockprof::flush();
                    (starts, waits)
                })
            });
        holder.unwrap().join().unwrap();
        waiter.unwrap().join().unwrap()
    });
    let releases = releases.into_inner().unwrap();
    let during_holds = releases.iter().zip(&starts).map(|(r, s)| *r - *s).collect();
    Truth {
        waits,
        during_holds,
    }
}

#[test]
fn ground_truth_through_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("gt.lptrace");
    let json = common::Buffer::default();
    let Truth {
        waits,
        during_holds,
    } = {
        let (layer, guard) = lockprof::layer().with_path(&trace).build().unwrap();
        let writer = json.clone();
        let fmt = tracing_subscriber::fmt::layer()
            .json()
            .with_writer(move || writer.clone());
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer).with(fmt));
        let truth = workload(&dispatch);
        drop(dispatch);
        drop(guard);
        truth
    };
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
        Some(json.take()),
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
    for f in ["trace.lptrace", "report.txt", "wait.svg", "blame.svg"] {
        let p = dir.path().join(f);
        assert!(p.metadata().unwrap().len() > 0, "{f}");
        assert!(stdout.contains(p.to_str().unwrap()), "{stdout}");
    }
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
