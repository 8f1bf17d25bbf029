//! The HTML page of `lockprof html` taken apart for the hostile-name tests: the documents of its
//! flamegraph frames and its embedded JSON report.

/// `lockprof html` of `input` (as stdin); it must succeed.
pub fn html_of(input: &[u8]) -> String {
    let out = assert_cmd::Command::cargo_bin("lockprof")
        .unwrap()
        .args(["html", "-", "-o", "-"])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the page is UTF-8")
}

/// The values of the `srcdoc` attributes of `page`, decoded: the documents of its frames.
pub fn srcdocs(page: &str) -> Vec<String> {
    page.split(" srcdoc=\"")
        .skip(1)
        .map(|rest| {
            let value = &rest[..rest.find('"').expect("a closed attribute")];
            value
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The JSON report embedded in `page`, parsed.
pub fn embedded_report(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"lockprof-report\">";
    let start = page.find(open).expect("the embedded report") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("the embedded report is JSON")
}

/// The HTML page holds none of `markup` as markup: not in the page, not in the documents of its
/// frames (the flamegraphs), whose scripts are only the page's own and inferno's; its embedded
/// JSON report parses and names the locks exactly as `names`.
pub fn assert_html_inert(page: &str, markup: &[&str], names: &[&str]) {
    assert!(
        !page
            .chars()
            .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}')),
        "raw control character in the page"
    );
    assert_eq!(
        page.matches("<script").count(),
        3,
        "the page's own scripts only: the error collector, the data, the page script"
    );
    let frames = srcdocs(page);
    assert!(!frames.is_empty(), "a flamegraph frame");
    for m in markup {
        assert!(!page.contains(m), "{m:?} in the page");
        for frame in &frames {
            assert!(!frame.contains(m), "{m:?} in a flamegraph frame");
        }
    }
    for frame in &frames {
        assert_eq!(
            frame.matches("<script").count(),
            2,
            "the frame's and inferno's"
        );
        assert!(!frame.contains('\x1b'));
    }
    let report = embedded_report(page);
    let locks: Vec<&str> = report["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    for name in names {
        assert!(locks.contains(name), "{name:?} not in the embedded report");
    }
}
