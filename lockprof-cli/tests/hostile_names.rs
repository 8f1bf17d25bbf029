//! Hostile names beyond `escaping.rs`: a 1 MB name, invalid UTF-8 in JSON lines, and hostile
//! names that come from a real program (leaked `&'static str` lock names, thread names) through
//! the recording Layer. Every output stays valid UTF-8, free of raw control characters and markup,
//! and JSON gives names back exactly; in the HTML page, also inside the flamegraphs' frames
//! (inline SVG) and the embedded JSON report (script data).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use assert_cmd::Command;
use common::html_page::{assert_html_inert, html_of};
use common::{MS, hold, string, wait};
use lockprof::LockKind;
use lockprof::trace::{Record, TraceReader};

/// Runs `lockprof` on `input` (as stdin) and returns stdout; it must succeed.
fn stdout_of(args: &[&str], input: &[u8]) -> String {
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(args)
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

fn svg_of(view: &str, input: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("out.svg");
    stdout_of(
        &[
            "flamegraph",
            "-",
            "--view",
            view,
            "-o",
            svg.to_str().unwrap(),
        ],
        input,
    );
    std::fs::read_to_string(svg).unwrap()
}

fn assert_terminal_safe(what: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}')),
        "{what}: raw control character in the output"
    );
}

/// Every `<` (HTML) and `` ` `` (code) in Markdown is backslash-escaped: it follows an odd number
/// of backslashes.
fn assert_markdown_inert(md: &str) {
    let bytes = md.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'<' | b'`') {
            let backslashes = bytes[..i].iter().rev().take_while(|&&c| c == b'\\').count();
            assert!(
                backslashes % 2 == 1,
                "unescaped {:?} in Markdown",
                b as char
            );
        }
    }
}

/// `<`, `"`, `;`, a newline and an escape sequence, repeated to 1 MiB.
fn megabyte_name() -> String {
    let unit = "<b>\"x\";y\n\x1b[2J ";
    unit.repeat((1 << 20) / unit.len() + 1)
}

#[test]
fn a_one_megabyte_name_in_every_output() {
    let name = megabyte_name();
    let trace = common::native(&[
        string(0, &name),
        string(1, "worker"),
        string(2, "src/a.rs:1"),
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        wait(1, 1, 2, 3 * MS, 0, 1),
        hold(1, 1, 2, 3 * MS, 2 * MS, 10),
    ]);
    // Bounded output: the name is printed (escaped) a few times, not multiplied.
    let bound = 16 << 20;
    for args in [&["report", "-"][..], &["histogram", "-"], &["folded", "-"]] {
        let text = stdout_of(args, &trace);
        assert_terminal_safe(&format!("{args:?}"), &text);
        assert!(text.len() < bound, "{args:?}: {} bytes", text.len());
        assert!(!text.contains("<b>\"x\";y\n"), "{args:?}: newline kept");
    }
    let md = stdout_of(&["report", "-", "--format", "markdown"], &trace);
    assert_terminal_safe("markdown", &md);
    assert!(md.len() < bound);
    assert_markdown_inert(&md);
    assert!(md.contains("\\<b\\>"));
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["report", "-", "--format", "json"], &trace)).unwrap();
    assert_eq!(json["locks"][0]["name"].as_str(), Some(name.as_str()));
    let svg = svg_of("wait", &trace);
    assert!(svg.len() < bound, "{} bytes", svg.len());
    assert!(!svg.contains("<b>"), "unescaped markup in the SVG");
    assert!(!svg.contains('\x1b'));
    let timeline = timeline_of(&trace);
    assert!(timeline.to_string().len() < bound);
    let pprof = pprof_of(&trace);
    assert!(pprof.len() < bound, "{} bytes", pprof.len());
    let html = html_of(&trace);
    // The name in the table, its section, the embedded report and two flamegraphs, escaped.
    assert!(html.len() < 2 * bound, "{} bytes", html.len());
    assert_html_inert(&html, &["<b>", "\"x\";y\n"], &[&name]);
    // The name once, in the string table, escaped for terminals (`go tool pprof -top` prints it).
    let repeats = name.matches("<b>").count();
    assert_eq!(count(&pprof, b"<b>\"x\";y\\n\\u{1b}[2J "), repeats);
    let strings = pprof_strings(&pprof);
    assert!(!strings.iter().any(|s| s.contains('\x1b')));
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// `lockprof timeline` of `input`, parsed; every lock and thread name in it must come back
/// exactly as some name of the input (checked by the callers).
fn timeline_of(input: &[u8]) -> serde_json::Value {
    let json = stdout_of(&["timeline", "-", "-o", "-"], input);
    serde_json::from_str(&json).expect("the timeline is JSON")
}

/// The names of the locks and threads of the timeline's slices.
fn timeline_names(json: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .flat_map(|e| [e["args"]["lock"].clone(), e["args"]["thread"].clone()])
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `lockprof pprof` of `input`, gunzipped: the protobuf's bytes.
fn pprof_of(input: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.pb.gz");
    stdout_of(&["pprof", "-", "-o", out.to_str().unwrap()], input);
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(out).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// The string table of a pprof profile (`perftools.profiles.Profile`, field 6); prost skips the
/// other fields.
fn pprof_strings(profile: &[u8]) -> Vec<String> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct Strings {
        #[prost(string, repeated, tag = "6")]
        string_table: Vec<String>,
    }
    <Strings as prost::Message>::decode(profile)
        .expect("a pprof profile")
        .string_table
}

#[test]
fn invalid_utf8_in_json_lines_never_reaches_the_output() {
    let mut input = Vec::new();
    // Raw invalid bytes inside the lock and thread names: not JSON (RFC 8259 text is UTF-8).
    input.extend_from_slice(
        b"{\"target\":\"lockprof\",\"fields\":{\"event\":\"wait\",\"lock\":\"bad\xff\xfe<i>\",\
          \"lock_id\":1,\"thread\":\"t\xc3\",\"site\":\"s:1\",\"wait_ns\":5000000}}\n",
    );
    // Lone surrogates through escapes: not Unicode scalar values either.
    input.extend_from_slice(
        b"{\"target\":\"lockprof\",\"fields\":{\"event\":\"wait\",\"lock\":\"sur\\ud800<i>\",\
          \"lock_id\":2,\"thread\":\"\\udc00\",\"site\":\"s:1\",\"wait_ns\":5000000}}\n",
    );
    input.extend_from_slice(
        b"{\"target\":\"lockprof\",\"fields\":{\"event\":\"wait\",\"lock\":\"good\",\
          \"lock_id\":3,\"thread\":\"t\",\"site\":\"s:1\",\"wait_ns\":5000000,\"at_ns\":9}}\n",
    );
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["report", "-", "--format", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"good"), "{names:?}");
    // Rejected lines are counted, never silently dropped; accepted ones carry only valid text.
    let rejected = 3 - names.len();
    if rejected > 0 {
        assert!(
            stderr.contains(&format!("skipped {rejected} of 3 lines")),
            "{stderr}"
        );
    }
    for args in [
        &["report", "-"][..],
        &["report", "-", "--format", "markdown"],
        &["folded", "-"],
        &["histogram", "-"],
    ] {
        // `stdout_of` checks the output is valid UTF-8.
        let text = stdout_of(args, &input);
        assert_terminal_safe(&format!("{args:?}"), &text);
    }
    let svg = svg_of("wait", &input);
    assert!(!svg.contains("<i>"));
    assert_html_inert(&html_of(&input), &["<i>"], &["good"]);
    assert!(timeline_names(&timeline_of(&input)).contains(&"good".to_owned()));
    pprof_of(&input);
}

#[test]
fn hostile_names_from_a_real_program_through_the_layer() {
    use tracing_subscriber::layer::SubscriberExt as _;

    let lock_name: &'static str = Box::leak(
        "<script>alert(\"x\")</script>; DROP\nTABLE \x1b[31m|`*_\u{202e}"
            .to_owned()
            .into_boxed_str(),
    );
    // Longer than the Layer keeps (1024 bytes), with a multi-byte character at the cut.
    let huge: &'static str =
        Box::leak(format!("{}é{}", "h".repeat(1023), "x".repeat(1 << 20)).into_boxed_str());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.lptrace");
    let (layer, guard) = lockprof::layer().with_path(&path).build().unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    for name in [lock_name, huge] {
        let lock = Arc::new(lockprof::Mutex::named(name, 0u64));
        // Held until both threads are at their first `lock()`, and a while more: each thread
        // waits, so each has events, however a busy machine schedules them.
        let held = lock.lock();
        let arrived = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = ["<img src=x onerror=alert(1)>\n;\"", "worker;2"]
            .into_iter()
            .map(|thread_name| {
                let (lock, dispatch) = (Arc::clone(&lock), dispatch.clone());
                let arrived = Arc::clone(&arrived);
                thread::Builder::new()
                    .name(thread_name.to_owned())
                    .spawn(move || {
                        tracing::dispatcher::with_default(&dispatch, || {
                            arrived.fetch_add(1, Ordering::SeqCst);
                            for _ in 0..20 {
                                let mut g = lock.lock();
                                *g += 1;
                                thread::sleep(Duration::from_micros(300));
                            }
                            lockprof::flush();
                        })
                    })
                    .unwrap()
            })
            .collect();
        while arrived.load(Ordering::SeqCst) < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_millis(20));
        drop(held);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.lock(), 40);
    }
    drop(guard);
    let trace = std::fs::read(&path).unwrap();

    // The Layer keeps names to 1024 bytes, cut at a character boundary.
    let mut longest = 0;
    for record in TraceReader::new(trace.as_slice()).unwrap() {
        if let Record::String { value, .. } = record.unwrap() {
            longest = longest.max(value.len());
        }
    }
    assert!(
        (1000..=1024).contains(&longest),
        "longest name {longest} bytes"
    );

    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["report", "-", "--format", "json"], &trace)).unwrap();
    let locks = json["locks"].as_array().unwrap();
    assert!(
        locks.iter().any(|l| l["name"] == lock_name),
        "the name round-trips through the trace and JSON"
    );
    assert!(locks.iter().any(|l| {
        l["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("hhhh") && n.len() <= 1024)
    }));
    let text = stdout_of(&["report", "-"], &trace);
    assert_terminal_safe("report", &text);
    assert!(!text.lines().any(|l| l.starts_with("TABLE")), "{text}");
    let md = stdout_of(&["report", "-", "--format", "markdown"], &trace);
    assert_terminal_safe("markdown", &md);
    assert_markdown_inert(&md);
    let folded = stdout_of(&["folded", "-"], &trace);
    assert_terminal_safe("folded", &folded);
    for line in folded.lines() {
        // The names' own `;` do not split frames: the thread is the first frame whole, and the
        // lock the last.
        let (first, _) = line.split_once(';').unwrap();
        assert!(
            first == "worker:2" || first == "<img src=x onerror=alert(1)>\\n:\"",
            "{line}"
        );
        assert!(!line.contains("; DROP"), "{line}");
    }
    for view in ["wait", "blame", "hold"] {
        let svg = svg_of(view, &trace);
        assert!(!svg.contains("<script>alert") && !svg.contains("<img"));
        assert!(!svg.contains('\x1b') && !svg.contains('\u{202e}'));
    }
    // JSON gives the names back exactly.
    let names = timeline_names(&timeline_of(&trace));
    for name in [lock_name, "<img src=x onerror=alert(1)>\n;\"", "worker;2"] {
        assert!(names.iter().any(|n| n == name), "{name:?} not in {names:?}");
    }
    // The strings, decoded: a raw 0x1b byte elsewhere in the protobuf is a length or a number.
    let strings = pprof_strings(&pprof_of(&trace));
    assert!(!strings.iter().any(|s| s.contains('\x1b')), "{strings:?}");
    assert!(
        strings
            .iter()
            .any(|s| s.contains("\\u{1b}[31m|`*_\\u{202e}")),
        "{strings:?}"
    );
    let html = html_of(&trace);
    assert_html_inert(&html, &["<script>alert", "<img"], &[lock_name]);
    // Shown as the text it is, escaped.
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;; DROP\\nTABLE"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;\\n;&quot;"));
}
