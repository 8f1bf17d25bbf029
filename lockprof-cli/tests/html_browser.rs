//! `lockprof html` in a real browser, headless Chromium: the demo's page loads with no script
//! error (the page's and its flamegraph frames', from the page's own error list and Chromium's
//! console log), its script runs, it shows the locks, and a screenshot is written
//! (`LOCKPROF_BLESS=1` copies it to docs/img/html-report.png, the README's picture); a page of
//! hostile names runs none of them. Skipped, saying so, where Chromium is not installed, unless
//! `LOCKPROF_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs Debian's `chromium`), which
//! makes a missing browser a failure.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{MS, hold, string, wait};
use lockprof::LockKind;
use lockprof::trace::Record;

/// Set to `1` to fail instead of skipping when Chromium is missing.
const REQUIRE_CHROMIUM: &str = "LOCKPROF_REQUIRE_CHROMIUM";

/// Set to the browser to use instead of looking for one.
const CHROMIUM_ENV: &str = "LOCKPROF_CHROMIUM";

/// Longest a page may take to load and be captured.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The browser, or `None` (having said so) when there is none and none is required.
fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os(CHROMIUM_ENV) {
        Some(path) => vec![path.into()],
        None => ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(PathBuf::from)
            .collect(),
    };
    let found = candidates.into_iter().find(|c| {
        Process::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var(REQUIRE_CHROMIUM).as_deref() != Ok("1"),
            "Chromium is not installed but {REQUIRE_CHROMIUM}=1: install chromium (.ci/run does)"
        );
        // Straight to stderr: the harness captures the prints of passing tests, and a skip
        // should be seen.
        let _ = writeln!(
            std::io::stderr(),
            "html_browser: skipped: Chromium is not installed (Debian: apt-get install chromium)"
        );
    }
    found
}

/// What the browser made of a page: the DOM after loading, and its console log.
struct Loaded {
    dom: String,
    console: Vec<String>,
}

/// Loads `page` in headless Chromium, dumping its DOM and, if asked, a screenshot.
fn load(browser: &Path, page: &Path, screenshot: Option<&Path>) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Process::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,900",
        "--dump-dom",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    if let Some(png) = screenshot {
        cmd.arg(format!("--screenshot={}", png.display()));
    }
    let out_path = profile.path().join("dom.html");
    let err_path = profile.path().join("stderr.txt");
    let mut child = cmd
        .arg(format!("file://{}", page.display()))
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("Chromium took more than {TIMEOUT:?} on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(status.success(), "Chromium failed: {stderr}");
    Loaded {
        dom: std::fs::read_to_string(&out_path).unwrap(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// The page loaded whole: its script ran to the end, no script error was collected (the page's
/// or a flamegraph frame's) and the console logged none.
fn assert_loaded_cleanly(what: &str, loaded: &Loaded) {
    let html_tag = html_tag(&loaded.dom);
    assert!(
        html_tag.contains("data-loaded=\"1\""),
        "{what}: the page's script did not finish: {html_tag}"
    );
    assert!(
        html_tag.contains("data-errors=\"0\""),
        "{what}: script errors: {html_tag}\n{}",
        loaded.console.join("\n")
    );
    let errors: Vec<&String> = loaded
        .console
        .iter()
        .filter(|l| l.contains("Uncaught") || l.contains("Error"))
        .collect();
    assert!(errors.is_empty(), "{what}: console errors: {errors:#?}");
}

/// The `<html …>` start tag of `dom`, where the page's scripts leave their marks.
fn html_tag(dom: &str) -> &str {
    let start = dom.find("<html").unwrap_or(0);
    let end = start + dom[start..].find('>').unwrap_or(0);
    &dom[start..end]
}

#[test]
fn the_demo_page_loads_shows_its_locks_and_is_captured() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .args(["demo", "--duration-ms", "400"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = demo.join("report.html");
    let png = dir.path().join("html-report.png");
    let loaded = load(&browser, &page, Some(&png));
    assert_loaded_cleanly("demo", &loaded);
    for lock in ["hot", "mild", "uncontended"] {
        assert!(
            loaded.dom.contains(&format!(">{lock}</a></td>")),
            "{lock} not in the table of locks"
        );
    }
    assert_eq!(loaded.dom.matches("<iframe class=\"flame\"").count(), 2);
    let shot = std::fs::read(&png).expect("a screenshot");
    assert!(
        shot.starts_with(b"\x89PNG") && shot.len() > 10_000,
        "{} bytes",
        shot.len()
    );
    if std::env::var_os("LOCKPROF_BLESS").is_some_and(|v| v == "1") {
        let readme_picture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/html-report.png");
        std::fs::create_dir_all(readme_picture.parent().unwrap()).unwrap();
        std::fs::copy(&png, readme_picture).unwrap();
    }
}

#[test]
fn hostile_names_run_nothing_in_the_browser() {
    let Some(browser) = chromium() else { return };
    // Each would mark the page if it ran: in the page, in a flamegraph frame, or in the data.
    let mark = "parent.document.documentElement.setAttribute('data-pwned','1')";
    let lock = format!("<img src=x onerror=\"{mark}\"></script><script>{mark}</script>");
    let thread = format!("<svg onload=\"{mark}\">]]><script>{mark}</script>");
    let site = format!("x' onmouseover='{mark}'<!--");
    let trace = common::native(&[
        string(0, &lock),
        string(1, &thread),
        string(2, &site),
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        wait(1, 1, 2, 3 * MS, 0, 1),
        hold(1, 1, 2, 3 * MS, 2 * MS, 10),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let trace_path = dir.path().join("hostile.lptrace");
    std::fs::write(&trace_path, trace).unwrap();
    let page = dir.path().join("hostile.html");
    let out = Command::cargo_bin("lockprof")
        .unwrap()
        .arg("html")
        .arg(&trace_path)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded = load(&browser, &page, None);
    assert_loaded_cleanly("hostile", &loaded);
    assert!(
        !html_tag(&loaded.dom).contains("data-pwned"),
        "a name ran as script"
    );
    assert!(!loaded.dom.contains("<img"), "a name became an element");
    // Shown as the text it is.
    assert!(
        loaded.dom.contains("&lt;img src=x onerror="),
        "the name is not shown"
    );
}
