//! Lock classes through the real binary: the locks of one name are one entry by default, their
//! figures those of the instances added up (`common::class_records` says what they are), and
//! `--by-instance` lists each lock with its id.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{ACCOUNT, MS, US};
use serde_json::{Value, json};

/// The class trace, written into `dir`.
fn trace(dir: &Path) -> String {
    let path = dir.join("classes.lptrace");
    std::fs::write(&path, common::native(&common::class_records())).unwrap();
    path.to_str().unwrap().to_owned()
}

fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "lockprof {args:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}

/// Whether `got` is `want` to 3 significant digits (hdrhistogram's equivalent range).
fn close(got: &Value, want: u64) -> bool {
    let got = got.as_u64().unwrap();
    got >= want && got - want <= want / 1000 + 1
}

#[test]
fn a_class_is_its_instances_added_up() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let report = json_of(&["report", &t, "--format", "json"]);
    assert_eq!(report["schema"], "lockprof.report/1");
    let locks = report["locks"].as_array().unwrap();
    assert_eq!(locks.len(), 2, "{report:#}");
    let (account, ledger) = (&locks[0], &locks[1]);
    assert_eq!(account["name"], ACCOUNT);
    assert_eq!(account["instances"], 3);
    assert!(
        account.get("id").is_none(),
        "a class has no id: {account:#}"
    );
    assert_eq!(
        (&account["acquisitions"], &account["contended"]),
        (&606.into(), &9.into())
    );

    let wait = &account["wait_ns"];
    assert_eq!(wait["count"], 3 + 3 * 4, "3 waits and 12 short ones");
    assert_eq!(wait["total"], 70 * MS + 12 * 5 * US);
    assert!(close(&wait["max"], 40 * MS), "{wait}");
    let hold = &account["hold_ns"];
    assert_eq!(hold["count"], 3 + 3 * 50);
    assert_eq!(
        account["holds_estimated"], 150,
        "the summaries' holds, and only them"
    );
    assert_eq!(hold["total"], 21 * MS + 150 * US);
    assert!(close(&hold["max"], 12 * MS), "{hold}");
    assert_eq!(account["blame_ns"], 70 * MS);
    assert_eq!(account["blame_estimated_ns"], 0);

    // The `fields` of each row of the table `key`, as an array of arrays.
    let rows = |key: &str, fields: &[&str]| -> Value {
        let rows = account[key].as_array().unwrap();
        rows.iter()
            .map(|r| fields.iter().map(|f| r[*f].clone()).collect::<Value>())
            .collect()
    };
    let holders = rows("holders", &["thread", "holds", "blame_ns"]);
    assert_eq!(
        holders,
        json!([["worker-1", 151, 40 * MS], ["worker-2", 2, 30 * MS]]),
        "worker-2's holds of #1 and #2 are one row"
    );
    let waiters = rows("waiters", &["thread", "waits", "wait_ns"]);
    assert_eq!(
        waiters,
        json!([
            ["worker-2", 1, 40 * MS],
            ["worker-1", 14, 30 * MS + 60 * US]
        ])
    );
    let stacks = rows("waiter_stacks", &["stack", "waits", "wait_ns"]);
    assert_eq!(stacks, json!([["app::transfer", 2, 30 * MS]]));
    let stacks = rows("holder_stacks", &["stack", "holds", "blame_ns"]);
    assert_eq!(stacks, json!([["app::audit", 2, 30 * MS]]));
    let pairs = rows(
        "pairs",
        &[
            "waiter_thread",
            "waiter_stack",
            "holder_thread",
            "holder_stack",
            "waits",
            "wait_ns",
        ],
    );
    assert_eq!(
        pairs,
        json!([[
            "worker-1",
            "app::transfer",
            "worker-2",
            "app::audit",
            2,
            30 * MS
        ]]),
        "the waits of #1 and #2 on the same holder are one pair"
    );

    assert_eq!(ledger["name"], "ledger");
    assert_eq!(ledger["instances"], 1);
    assert_eq!(ledger["acquisitions"], 50);

    // The blame histogram of the class: the three holds of its instances, merged.
    let histogram = stdout_of(&["histogram", &t, "--metric", "blame"]);
    let first = histogram.lines().next().unwrap();
    assert_eq!(
        first,
        format!("blame of lock {ACCOUNT} × 3 instances (mutex): 3 values, total 70.0 ms")
    );
    assert!(histogram.contains("max 40.0 ms"), "{histogram}");
}

#[test]
fn by_instance_lists_each_lock_with_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let report = json_of(&["report", &t, "--format", "json", "--by-instance"]);
    let locks = report["locks"].as_array().unwrap();
    let entries: Vec<(&str, u64, u64)> = locks
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap(),
                l["id"].as_u64().unwrap(),
                l["instances"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (ACCOUNT, 3, 1),
            (ACCOUNT, 2, 1),
            (ACCOUNT, 1, 1),
            ("ledger", 4, 1)
        ],
        "most wait first"
    );
    let acquisitions: Vec<u64> = locks
        .iter()
        .map(|l| l["acquisitions"].as_u64().unwrap())
        .collect();
    assert_eq!(acquisitions, [303, 202, 101, 50]);
    let pair_waits: Vec<Value> = locks
        .iter()
        .map(|l| l["pairs"][0]["wait_ns"].clone())
        .collect();
    assert_eq!(
        pair_waits,
        [Value::Null, (20 * MS).into(), (10 * MS).into(), Value::Null]
    );

    let text = stdout_of(&["report", &t, "--by-instance"]);
    assert!(text.starts_with("lockprof report: 4 locks, "), "{text}");
    for id in 1..=3 {
        assert!(
            text.contains(&format!("\n{ACCOUNT} #{id} (mutex)\n")),
            "{text}"
        );
    }
    assert!(text.contains("\nledger #4 (mutex)\n"), "{text}");
    assert!(!text.contains('×'), "{text}");
}

#[test]
fn titles_say_how_many_instances_a_class_has() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let text = stdout_of(&["report", &t]);
    assert!(
        text.starts_with("lockprof report: 2 locks (4 instances), "),
        "{text}"
    );
    assert!(
        text.contains(&format!("\n{ACCOUNT} × 3 instances (mutex)\n")),
        "{text}"
    );
    assert!(text.contains("\nledger (mutex)\n"), "{text}");
    common::golden::check("classes/report.txt", &text);
    common::golden::check(
        "classes/report-by-instance.txt",
        &stdout_of(&["report", &t, "--by-instance"]),
    );

    let markdown = stdout_of(&["report", &t, "--format", "markdown"]);
    assert!(markdown.contains("2 locks (4 instances) · "), "{markdown}");
    assert!(
        markdown.contains(&format!("| {ACCOUNT} × 3 instances | mutex |")),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!("### {ACCOUNT} × 3 instances\n")),
        "{markdown}"
    );
    common::golden::check("classes/report.md", &markdown);
    // An id is not an issue reference on GitHub.
    let markdown = stdout_of(&["report", &t, "--format", "markdown", "--by-instance"]);
    assert!(
        markdown.contains(&format!("| {ACCOUNT} \\#1 | mutex |")),
        "{markdown}"
    );

    let histogram = stdout_of(&["histogram", &t]);
    assert!(
        histogram.starts_with(&format!(
            "wait of lock {ACCOUNT} × 3 instances (mutex): 15 values"
        )),
        "{histogram}"
    );
    let histogram = stdout_of(&["histogram", &t, "--by-instance"]);
    assert!(
        histogram.starts_with(&format!("wait of lock {ACCOUNT} #3 (mutex): 5 values")),
        "{histogram}"
    );
}

#[test]
fn the_lock_frame_is_the_class_or_the_instance() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    // A folded line: thread and frames, site, lock, ns.
    let line = |frames: &str, site: u32, lock: &str, ns: u64| -> String {
        format!("{frames};src/bank.rs:{site};{lock} {ns}")
    };
    let (no_stack, transfer) = ("worker-1;[no stack]", "worker-1;app::transfer");
    let account = |id: u64| format!("{ACCOUNT} #{id}");

    let folded = stdout_of(&["folded", &t]);
    let want = [
        line(no_stack, 83, "ledger", 5 * MS),
        line(no_stack, 83, ACCOUNT, 12 * 5 * US),
        line(transfer, 83, ACCOUNT, 30 * MS),
        line("worker-2;[no stack]", 90, ACCOUNT, 40 * MS),
    ];
    assert_eq!(folded.lines().collect::<Vec<_>>(), want);

    let folded = stdout_of(&["folded", &t, "--by-instance"]);
    let want = [
        line(no_stack, 83, "ledger #4", 5 * MS),
        line(no_stack, 83, &account(1), 4 * 5 * US),
        line(no_stack, 83, &account(2), 4 * 5 * US),
        line(no_stack, 83, &account(3), 4 * 5 * US),
        line(transfer, 83, &account(1), 10 * MS),
        line(transfer, 83, &account(2), 20 * MS),
        line("worker-2;[no stack]", 90, &account(3), 40 * MS),
    ];
    assert_eq!(folded.lines().collect::<Vec<_>>(), want);

    let blame = stdout_of(&["folded", &t, "--view", "blame", "--frames", "native"]);
    let want = [
        line(no_stack, 83, ACCOUNT, 40 * MS),
        line("worker-2;app::audit", 90, ACCOUNT, 30 * MS),
    ];
    assert_eq!(blame.lines().collect::<Vec<_>>(), want);

    for (args, frame, not) in [
        (&[][..], format!("{ACCOUNT} ("), format!("{ACCOUNT} #1")),
        (
            &["--by-instance"][..],
            format!("{ACCOUNT} #1 ("),
            format!("{ACCOUNT} ("),
        ),
    ] {
        let mut cmd = vec!["flamegraph", t.as_str(), "-o", "-"];
        cmd.extend(args);
        let svg = stdout_of(&cmd);
        assert!(
            svg.contains(&format!("<title>{frame}")),
            "{args:?}: no frame {frame}"
        );
        assert!(
            !svg.contains(&format!("<title>{not}")),
            "{args:?}: a frame {not}"
        );
    }
}

#[test]
fn lock_selects_a_class_or_its_instances() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let report = json_of(&["report", &t, "--format", "json", "--lock", ACCOUNT]);
    let locks = report["locks"].as_array().unwrap();
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0]["instances"], 3);
    let args = [
        "report",
        &t,
        "--format",
        "json",
        "--lock",
        ACCOUNT,
        "--by-instance",
    ];
    let report = json_of(&args);
    assert_eq!(report["locks"].as_array().unwrap().len(), 3);
    let report = json_of(&["report", &t, "--format", "json", "--top", "1"]);
    assert_eq!(report["locks"][0]["instances"], 3, "--top counts classes");
}

#[test]
fn each_input_keeps_its_own_classes() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let report = json_of(&["report", &t, &t, "--format", "json"]);
    let instances: Vec<u64> = report["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["instances"].as_u64().unwrap())
        .collect();
    assert_eq!(instances, [3, 3, 1, 1]);
    let text = stdout_of(&["report", &t, &t]);
    assert!(
        text.starts_with("lockprof report: 4 locks (8 instances), "),
        "{text}"
    );
    for input in [1, 2] {
        let title = format!("\n{ACCOUNT} (input {input}) × 3 instances (mutex)\n");
        assert!(text.contains(&title), "{text}");
    }
    let text = stdout_of(&["report", &t, &t, "--by-instance", "--top", "1"]);
    assert!(
        text.contains(&format!("\n{ACCOUNT} #3 (input 1) (mutex)\n")),
        "{text}"
    );
}
