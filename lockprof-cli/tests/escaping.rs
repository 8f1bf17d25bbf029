//! Names in traces are untrusted: every output keeps them inert.

mod common;

use assert_cmd::Command;
use common::{MS, hold, string, wait};
use lockprof::LockKind;
use lockprof::trace::Record;

const EVIL_LOCK: &str = "<script>alert(1)</script> | `x` *b* \x1b[31mred\nnext; frame";
const EVIL_THREAD: &str = "t\"h&r<e>a'd\u{202e}";

fn evil_trace() -> Vec<u8> {
    common::native(&[
        string(0, EVIL_LOCK),
        string(1, EVIL_THREAD),
        string(2, "src/<a>.rs:1"),
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        wait(1, 1, 2, 3 * MS, 0, 1),
        hold(1, 1, 2, 3 * MS, 2 * MS, 10),
    ])
}

fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(args)
        .write_stdin(evil_trace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn svg_escapes_markup() {
    let dir = tempfile::tempdir().unwrap();
    for view in ["wait", "blame", "hold"] {
        let svg = dir.path().join(format!("{view}.svg"));
        let out = Command::cargo_bin("lockprof")
            .unwrap()
            .args([
                "flamegraph",
                "-",
                "--view",
                view,
                "-o",
                svg.to_str().unwrap(),
            ])
            .write_stdin(evil_trace())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg = std::fs::read_to_string(svg).unwrap();
        assert!(
            !svg.contains("<script>alert"),
            "unescaped lock name in the SVG"
        );
        assert!(!svg.contains("<a>"), "unescaped site in the SVG");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!svg.contains('\x1b'));
        assert!(!svg.contains("t\"h&r<e>"));
    }
}

#[test]
fn markdown_escapes_cells() {
    let md = stdout_of(&["report", "-", "--format", "markdown"]);
    let row = md.lines().find(|l| l.contains("alert")).unwrap();
    assert_eq!(
        row.matches(" | ").count(),
        9,
        "the name adds no cell: {row}"
    );
    assert!(row.contains("\\<script\\>") && row.contains("\\|") && row.contains("\\`x\\`"));
    assert!(!md.contains('\x1b') && !md.contains('\u{202e}'));
    assert!(
        !md.lines().any(|l| l.starts_with("next")),
        "newline kept in the name"
    );
}

#[test]
fn terminal_output_has_no_control_characters() {
    for args in [
        &["report", "-"][..],
        &["histogram", "-"][..],
        &["folded", "-"][..],
    ] {
        let text = stdout_of(args);
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{args:?}: {text:?}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("next")),
            "{args:?}: {text}"
        );
    }
    let folded = stdout_of(&["folded", "-"]);
    assert_eq!(folded.lines().count(), 1);
    assert_eq!(
        folded.lines().next().unwrap().matches(';').count(),
        2,
        "{folded}"
    );
}

#[test]
fn json_round_trips_names() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(&["report", "-", "--format", "json"])).unwrap();
    assert_eq!(v["locks"][0]["name"], EVIL_LOCK);
    assert_eq!(v["locks"][0]["holders"][0]["thread"], EVIL_THREAD);
}
