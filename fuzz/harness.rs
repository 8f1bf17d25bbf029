// The fuzz targets' harness, shared by the cargo-fuzz targets in `fuzz_targets/` (through
// `include!`) and by `lockprof-examples/tests/fuzz_corpus.rs`, which replays every file of
// `fuzz/corpus/` through it in a normal `cargo test`. Every input is untrusted: none may panic,
// hang, or allocate beyond its size, and whatever is read must render safely in every output
// format.

use std::io::Write as _;

use lockprof::trace::{HistogramBuckets, TraceReader};
use lockprof_cli::compare::{Comparison, Figure, Threshold};
use lockprof_cli::diff::{self, DiffOptions, write_diff_flamegraph};
use lockprof_cli::flame::{FlameOptions, View, write_flamegraph, write_folded};
use lockprof_cli::histogram::{Metric, merged, write_hgrm};
use lockprof_cli::html::{HtmlOptions, write_html};
use lockprof_cli::report::{ReportOptions, write_json, write_markdown, write_text};
use lockprof_cli::{Aggregator, Error, JsonInput, Profile, TraceInput};

/// Inputs longer than this are cut: the targets look for parser bugs, not for slow large inputs.
pub(crate) const MAX_INPUT: usize = 1 << 20;

/// A native trace (`lockprof::trace::TraceReader`), then the same bytes through the CLI.
pub(crate) fn native_trace(data: &[u8]) {
    let data = &data[..data.len().min(MAX_INPUT)];
    // The reader alone: offsets only move forward and stay within the input; after an error it
    // stops.
    if let Ok(mut reader) = TraceReader::new(data) {
        let mut last = reader.offset();
        let mut failed = false;
        while let Some(record) = reader.next() {
            assert!(!failed, "a record after an error");
            failed = record.is_err();
            let offset = reader.offset();
            assert!(
                offset >= last && offset <= data.len() as u64,
                "offset {offset}"
            );
            last = offset;
        }
        // `truncated` and `complete` may both hold (an end marker, then a partial record):
        // `complete` is about the last whole record read. A corrupt record is not a truncation.
        if reader.truncated() {
            assert!(!failed, "an error ends the reading, it is not a truncation");
        }
    }
    // What `lockprof report` and the rest do with it: everything up to the first error, the
    // summaries' histograms read as their buckets.
    let aggregate = |mut agg: Aggregator| {
        if let Ok(mut reader) = TraceReader::<_, HistogramBuckets>::with_histograms(data) {
            let mut input = TraceInput::new(&mut agg);
            while let Ok(Some(record)) = reader.next_ref() {
                input.record_ref(record);
            }
        }
        agg.finish()
    };
    both_groupings(aggregate(Aggregator::new()), aggregate(Aggregator::new().by_class()));
}

/// Lines as `tracing_subscriber::fmt().json()` writes them, through the CLI's reader.
pub(crate) fn json_lines(data: &[u8]) {
    let data = &data[..data.len().min(MAX_INPUT)];
    let mut agg = Aggregator::new();
    let stats = JsonInput::new(&mut agg)
        .read(data)
        .expect("reading a slice cannot fail");
    assert!(stats.events + stats.skipped <= stats.lines, "{stats:?}");
    assert!(stats.malformed <= stats.skipped, "{stats:?}");
    let lines = data.split(|&b| b == b'\n').count() as u64;
    assert!(stats.lines <= lines, "{stats:?}, {lines} lines");
    let mut classes = Aggregator::new().by_class();
    JsonInput::new(&mut classes)
        .read(data)
        .expect("reading a slice cannot fail");
    both_groupings(agg.finish(), classes.finish());
}

/// The profile of the locks as instances, and grouped into classes as it was read: the second
/// counts what the first does once grouped (unless a figure saturated, where the order of the
/// additions shows), and both render.
fn both_groupings(instances: Profile, classes: Profile) {
    let mut grouped = instances.clone();
    grouped.group_classes();
    let sums = |p: &Profile| {
        p.locks.iter().fold([0u128; 5], |mut t, l| {
            let figures = [
                l.acquisitions,
                l.contended,
                l.wait.total,
                l.hold.total,
                l.blame_ns,
            ];
            for (sum, x) in t.iter_mut().zip(figures) {
                *sum += u128::from(x);
            }
            t
        })
    };
    let (expected, got) = (sums(&grouped), sums(&classes));
    if expected.iter().chain(&got).all(|&x| x < 1 << 62) {
        assert_eq!(got, expected, "grouped while reading, against afterwards");
    }
    render(instances);
    render(classes);
}

/// Renders `profile` in every output format and checks that names stay inert in each.
fn render(mut profile: Profile) {
    profile.sort(lockprof_cli::SortKey::Wait);
    let opts = ReportOptions::default();
    let text = output(|out| write_text(&profile, &opts, out));
    assert_terminal_safe("report", &text);
    let markdown = output(|out| write_markdown(&profile, &opts, out));
    assert_terminal_safe("markdown", &markdown);
    assert_markdown_inert(&markdown);

    let json = output(|out| write_json(&profile, out));
    let value: serde_json::Value = serde_json::from_str(&json).expect("the JSON report parses");
    let locks = value["locks"].as_array().expect("locks");
    assert_eq!(locks.len(), profile.locks.len());
    for (lock, json) in profile.locks.iter().zip(locks) {
        assert_eq!(
            json["name"].as_str(),
            Some(lock.name.as_str()),
            "names round-trip"
        );
    }

    for metric in [Metric::Wait, Metric::Hold, Metric::Blame] {
        let histogram = output(|out| lockprof_cli::histogram::write_text(&profile, metric, out));
        assert_terminal_safe("histogram", &histogram);
        output(|out| write_hgrm(&merged(&profile, metric), out));
    }
    for view in [View::Wait, View::Blame, View::Hold] {
        let folded = output(|out| write_folded(&profile, view, out));
        assert_terminal_safe("folded", &folded);
        for line in folded.lines() {
            let (_, count) = line.rsplit_once(' ').expect("frames, space, count");
            count.parse::<u64>().expect("a count");
        }
    }
    // Rendering SVG is slow; once per input is enough to check its escaping.
    let opts = FlameOptions::default(); // the wait view
    let mut svg = Vec::new();
    if write_flamegraph(&profile, &opts, &mut svg, "svg").is_ok() {
        let svg = String::from_utf8(svg).expect("SVG is UTF-8");
        assert_eq!(
            svg.matches("<script").count(),
            1,
            "inferno's own script only"
        );
        assert!(
            !svg.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        );
    }
    render_html(&profile);
    render_diff(profile);
}

/// The HTML page: names inert there too, in its frames and in its embedded report.
fn render_html(profile: &Profile) {
    let page = output(|out| {
        write_html(profile, &[], &HtmlOptions::default(), out, "html")
            .map_err(|e| std::io::Error::other(e.to_string()))
    });
    assert_terminal_safe("html", &page);
    assert_eq!(page.matches("<script").count(), 3, "the page's own scripts only");
    assert!(page.trim_end().ends_with("</html>"));
}

/// The diff of the profile's classes against themselves (nothing grows) and against nothing
/// (everything is new), in every format, and the differential flamegraph.
fn render_diff(mut profile: Profile) {
    profile.group_classes();
    let empty = Profile::default();
    let everything: Vec<Threshold> = Figure::all()
        .into_iter()
        .map(|figure| Threshold { figure, pct: 0.0 })
        .collect();
    let same = Comparison::new(&profile, &profile);
    assert!(same.regressions(&everything).is_empty(), "a run did not grow on itself");
    let new = Comparison::new(&empty, &profile);
    assert_eq!(new.locks.len(), same.locks.len());
    let mut opts = DiffOptions::default();
    opts.thresholds = everything;
    for cmp in [&same, &new] {
        assert_terminal_safe("diff", &output(|out| diff::write_text(cmp, &opts, out)));
        let markdown = output(|out| diff::write_markdown(cmp, &opts, out));
        assert_terminal_safe("diff markdown", &markdown);
        assert_markdown_inert(&markdown);
        let json = output(|out| diff::write_json(cmp, &opts, out));
        let _: serde_json::Value = serde_json::from_str(&json).expect("the JSON diff parses");
    }
    let mut svg = Vec::new();
    match write_diff_flamegraph(&empty, &profile, View::Wait, &mut svg, "svg") {
        Ok(()) => {
            let svg = String::from_utf8(svg).expect("SVG is UTF-8");
            assert_eq!(svg.matches("<script").count(), 1, "inferno's own script only");
        }
        Err(Error::NothingToDraw { .. }) => {}
        Err(e) => panic!("{e}"),
    }
}

/// Every character that could start HTML, a link or code is backslash-escaped: it
/// follows an odd number of backslashes.
fn assert_markdown_inert(markdown: &str) {
    let bytes = markdown.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'<' | b'[' | b'`') {
            let backslashes = bytes[..i].iter().rev().take_while(|&&c| c == b'\\').count();
            assert!(
                backslashes % 2 == 1,
                "unescaped {:?} in Markdown",
                b as char
            );
        }
    }
}

fn output(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory");
    out.flush().expect("flushing memory");
    String::from_utf8(out).expect("outputs are UTF-8")
}

/// No control character but newlines, no bidirectional override: a name cannot move the cursor,
/// recolor the terminal, start a line of its own, or reorder what follows.
fn assert_terminal_safe(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        panic!("{what}: unescaped {c:?} in output");
    }
}
