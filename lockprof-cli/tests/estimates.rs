//! Figures estimated from sampled holds are marked as such: sampled hold counts and distributions,
//! and the part of a summary's blame that is estimated (`blame_estimated_ns`), from JSON lines and
//! native traces alike; the waiting charged to no hold (`unattributed_ns`) is reported beside them.

mod common;

use assert_cmd::Command;
use common::{MS, hist, summary, with_blame_estimated, with_unattributed};

fn report(args: &[&str], stdin: Vec<u8>) -> String {
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn line(fields: &str) -> String {
    format!(
        "{{\"timestamp\":\"2026-11-25T02:24:15.612712Z\",\"level\":\"TRACE\",\"fields\":{{\
         \"lock\":\"orders\",\"lock_id\":1,\"lock_kind\":\"mutex\",\"mode\":\"exclusive\",\
         {fields}}},\"target\":\"lockprof\"}}\n"
    )
}

/// By hand, as `tracing_subscriber::fmt().json()` prints them: `flusher` holds `orders` long
/// (an exact hold event, 5 ms blame); `worker-1`'s summary has 2 sampled holds of weight 1024
/// and 12.3 ms blame, 10 ms of it estimated, and says 10 ms of waiting was charged to no hold
/// exactly (so exact blame 7.3 ms + 10 ms = the 17.3 ms waited); `worker-2` waited 17.3 ms and
/// its summary comes from a lockprof without either field.
fn json_lines() -> Vec<u8> {
    let hold_hist = common::b64(&hist(&[(300, 2048)]));
    [
        line(
            "\"event\":\"wait\",\"thread\":\"worker-2\",\"thread_id\":2,\
             \"site\":\"src/orders.rs:20\",\"holder\":\"worker-1\",\"holder_id\":1,\
             \"wait_ns\":17300000,\"at_ns\":1000,\"weight\":1,\"timed_out\":false",
        ),
        line(
            "\"event\":\"hold\",\"thread\":\"flusher\",\"thread_id\":3,\
             \"site\":\"src/flush.rs:9\",\"hold_ns\":6000000,\"blame_ns\":5000000,\
             \"waiters\":1,\"at_ns\":2000,\"weight\":1,\"hold_exact\":true",
        ),
        line(&format!(
            "\"event\":\"summary\",\"thread\":\"worker-1\",\"thread_id\":1,\
             \"site\":\"src/orders.rs:12\",\"at_ns\":1000000000,\"weight\":1,\
             \"acquisitions\":4096,\"contended\":0,\"timeouts\":0,\"waits\":0,\"wait_ns\":0,\
             \"wait_hist\":\"\",\"holds\":2048,\"hold_ns\":614400,\"hold_hist\":\"{hold_hist}\",\
             \"blame_ns\":12300000,\"blame_estimated_ns\":10000000,\"unattributed_ns\":10000000"
        )),
        line(
            "\"event\":\"summary\",\"thread\":\"worker-2\",\"thread_id\":2,\
             \"site\":\"src/orders.rs:20\",\"at_ns\":1000000000,\"weight\":1,\
             \"acquisitions\":10,\"contended\":1,\"timeouts\":0,\"waits\":0,\"wait_ns\":0,\
             \"wait_hist\":\"\",\"holds\":0,\"hold_ns\":0,\"hold_hist\":\"\",\"blame_ns\":0",
        ),
    ]
    .concat()
    .into_bytes()
}

fn row<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{text}"))
}

#[test]
fn the_text_report_marks_estimates() {
    let text = report(&["report", "-"], json_lines());
    assert!(
        text.contains(
            "blame ~17.3 ms (time others waited, charged to the thread holding the lock; \
             10.0 ms of it estimated)"
        ),
        "{text}"
    );
    let hold = row(&text, "hold");
    assert!(
        hold.contains("total ~6.61 ms")
            && hold.ends_with("1 hold measured one by one + ~2,048 estimated from sampled holds"),
        "{hold}"
    );
    let worker = row(&text, "worker-1");
    assert!(
        worker.contains("~12.3 ms") && worker.contains("~71.1%") && worker.contains("~2,048 holds"),
        "{worker}"
    );
    let flusher = row(&text, "flusher");
    assert!(
        flusher.contains("5.00 ms") && flusher.contains("1 hold") && !flusher.contains('~'),
        "{flusher}"
    );
    assert!(
        row(&text, "src/orders.rs:12").contains("~12.3 ms"),
        "{text}"
    );
    assert!(!row(&text, "src/flush.rs:9").contains('~'), "{text}");
    assert!(
        text.contains(
            "\n  waiting not charged to any hold: 10.0 ms (hand-offs between holds, and waiting in \
             storms that no measured hold took; the ~ figures estimate part of it)\n"
        ),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.trim() == "~ estimated from sampled holds")
            .count(),
        1,
        "{text}"
    );
}

#[test]
fn the_markdown_report_marks_estimates() {
    let md = report(&["report", "-", "--format", "markdown"], json_lines());
    assert!(
        md.contains("| worker-1 | \\~12.3 ms | \\~71.1% | \\~2,048 |"),
        "{md}"
    );
    assert!(md.contains("| flusher | 5.00 ms | 28.9% | 1 |"), "{md}");
    assert!(md.contains("\n\\~ estimated from sampled holds\n"), "{md}");
    assert!(
        md.contains(
            "### orders\n\nWaiting not charged to any hold: 10.0 ms (hand-offs between holds, and \
             waiting in storms that no measured hold took; the \\~ figures estimate part of it).\n"
        ),
        "{md}"
    );
}

#[test]
fn the_json_report_adds_the_estimated_parts() {
    let json: serde_json::Value =
        serde_json::from_str(&report(&["report", "-", "--format", "json"], json_lines())).unwrap();
    let lock = &json["locks"][0];
    assert_eq!(lock["blame_ns"], 17_300_000);
    assert_eq!(lock["blame_estimated_ns"], 10_000_000);
    assert_eq!(lock["hold_ns"]["count"], 2049);
    assert_eq!(lock["holds_estimated"], 2048);
    assert_eq!(lock["unattributed_ns"], 10_000_000);
    // Exact blame and the waiting charged to no hold make up the waiting (docs/EVENTS.md).
    let ns = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(
        ns(&lock["blame_ns"]) - ns(&lock["blame_estimated_ns"]) + ns(&lock["unattributed_ns"]),
        ns(&lock["wait_ns"]["total"])
    );
    let holder = |name: &str| {
        lock["holders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["thread"] == name)
            .unwrap()
            .clone()
    };
    let w = holder("worker-1");
    assert_eq!(
        (&w["blame_ns"], &w["blame_estimated_ns"]),
        (&12_300_000.into(), &10_000_000.into())
    );
    assert_eq!(
        (&w["holds"], &w["holds_estimated"]),
        (&2048.into(), &2048.into())
    );
    let f = holder("flusher");
    assert_eq!(
        (&f["blame_estimated_ns"], &f["holds_estimated"]),
        (&0.into(), &0.into())
    );
    let site = |name: &str| {
        lock["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["site"] == name)
            .unwrap()["blame_estimated_ns"]
            .clone()
    };
    assert_eq!(site("src/orders.rs:12"), 10_000_000);
    assert_eq!(site("src/orders.rs:20"), 0, "absent: all exact");
}

#[test]
fn native_traces_carry_the_estimated_blame_and_the_unattributed_waiting_too() {
    let records = vec![
        common::string(0, "orders"),
        common::string(1, "worker-1"),
        common::string(2, "src/orders.rs:12"),
        lockprof::trace::Record::Lock {
            id: 1,
            name: 0,
            kind: lockprof::LockKind::Mutex,
        },
        lockprof::trace::Record::Thread { id: 1, name: 1 },
        with_unattributed(
            with_blame_estimated(
                summary(1, 1, 2, MS, 4096, 0, &[], &[(300, 2048)], 12 * MS),
                10 * MS,
            ),
            MS,
        ),
        // More estimated than there is blame (corrupt input) counts as all of it.
        with_blame_estimated(summary(1, 1, 2, 2 * MS, 10, 0, &[], &[], MS), 5 * MS),
        // No blame estimated, yet waiting charged to no hold (the trace writes the 0 before it).
        with_unattributed(summary(1, 1, 2, 3 * MS, 10, 0, &[], &[], 0), 4 * MS),
    ];
    let json: serde_json::Value = serde_json::from_str(&report(
        &["report", "-", "--format", "json"],
        common::native(&records),
    ))
    .unwrap();
    let lock = &json["locks"][0];
    assert_eq!(lock["blame_ns"], 13 * MS);
    assert_eq!(lock["blame_estimated_ns"], 11 * MS);
    assert_eq!(lock["holders"][0]["blame_estimated_ns"], 11 * MS);
    assert_eq!(lock["unattributed_ns"], 5 * MS);
    // The same records as JSON lines read the same.
    let lines = common::json_lines(&records, false, 0, None);
    let from_lines: serde_json::Value =
        serde_json::from_str(&report(&["report", "-", "--format", "json"], lines)).unwrap();
    assert_eq!(from_lines["locks"], json["locks"]);
}
