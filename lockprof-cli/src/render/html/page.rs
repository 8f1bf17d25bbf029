//! The page: head (style, and a collector that shows script errors on the page), the trace's
//! facts, the locks, the flamegraphs, the waiter ← holder pairs, each lock's section, and the
//! JSON report embedded for download. Everything is inline: the page opens with no network.

use std::fmt::Write as _;
use std::io::Write;

use super::flames::write_flamegraph_frame;
use super::lock::write_lock;
use super::tables::{write_locks, write_pairs};
use crate::flame::View;
use crate::report::write_json;
use crate::{Error, Notice, Profile, escape, humanize};

/// The page's style.
const STYLE: &str = include_str!("page.css");
/// The page's script: sorting tables, the JSON download.
const SCRIPT: &str = include_str!("page.js");

/// Runs first: collects script errors, of the page and of its flamegraph frames, and shows them
/// on the page (`#script-errors`, and a count in `<html data-errors>`), so a broken page says so.
const ERROR_COLLECTOR: &str = r#"(function () {
  var errors = window.__errors = [];
  function show() {
    document.documentElement.setAttribute("data-errors", String(errors.length));
    var box = document.getElementById("script-errors");
    if (box && errors.length) {
      box.hidden = false;
      box.textContent = "This page had script errors:\n" + errors.join("\n");
    }
  }
  window.__lockprofError = function (message) { errors.push(String(message)); show(); };
  window.addEventListener("error", function (e) { window.__lockprofError(e.message); });
  window.addEventListener("unhandledrejection", function (e) {
    window.__lockprofError("unhandled rejection: " + e.reason);
  });
  document.addEventListener("DOMContentLoaded", show);
})();"#;

/// The default title of the page.
const DEFAULT_TITLE: &str = "lockprof report";

/// Options of [`write_html`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    /// The page's title. Defaults to `lockprof report`.
    pub title: Option<String>,
    /// The `--lock` filter applied, said on the page. Defaults to `None`.
    pub lock: Option<String>,
}

/// Writes the HTML page of `profile` to `out` (`out_name` names it in errors); `notices` are
/// what reading the inputs noticed (a trace cut off, lines skipped), shown with the facts.
///
/// # Errors
/// [`Error::Write`] when `out` fails.
pub fn write_html(
    profile: &Profile,
    notices: &[Notice],
    opts: &HtmlOptions,
    mut out: impl Write,
    out_name: &str,
) -> Result<(), Error> {
    let mut page = String::with_capacity(64 << 10);
    let title = opts.title.as_deref().unwrap_or(DEFAULT_TITLE);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\" data-errors=\"0\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><script>{ERROR_COLLECTOR}</script><style>{STYLE}</style>\
         </head>\n<body><header><h1>{title}</h1><nav><a href=\"#locks\">Locks</a>\
         <a href=\"#flamegraphs\">Flamegraphs</a><a href=\"#pairs\">Waiter ← holder</a>\
         <a href=\"#details\">Each lock</a>\
         <a id=\"report-json\" download=\"report.json\" hidden>report.json</a></nav></header>\n\
         <div id=\"script-errors\" hidden></div>\n",
        title = escape::html(title),
    );
    write_facts(&mut page, profile, notices, opts);

    page.push_str("<section id=\"locks\"><h2>Locks</h2>");
    if profile.locks.is_empty() {
        page.push_str("<p>No locks recorded.</p>");
    } else {
        page.push_str(
            "<p class=\"muted\">Click a header to sort, a lock for its details. \
             ~ marks figures estimated from sampled holds.</p>",
        );
        write_locks(&mut page, profile);
    }
    page.push_str("</section>\n<section id=\"flamegraphs\"><h2>Where threads waited</h2>");
    write_flamegraph_frame(&mut page, profile, View::Wait, opts.lock.as_deref())?;
    page.push_str("<h2>Who made them wait (blame)</h2>");
    write_flamegraph_frame(&mut page, profile, View::Blame, opts.lock.as_deref())?;
    page.push_str(
        "<p class=\"muted\">Click a frame to zoom, Ctrl-F to search. Frames from the root: \
         thread, spans, native stack, acquire site, lock.</p></section>\n\
         <section id=\"pairs\"><h2>Who waited on whom</h2>",
    );
    if !write_pairs(&mut page, profile) {
        page.push_str(
            "<p class=\"muted\">No waits paired with the holds they waited for: pairing needs \
             the native stacks of waiters or holders (stack capture is on by default).</p>",
        );
    }
    page.push_str("</section>\n<section id=\"details\"><h2>Each lock</h2>");
    for (i, lock) in profile.locks.iter().enumerate() {
        write_lock(&mut page, profile, i, lock);
    }
    page.push_str("</section>\n");

    let mut json = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_json(profile, &mut json);
    let _ = write!(
        page,
        "<script type=\"application/json\" id=\"lockprof-report\">{}</script>\n\
         <script>{SCRIPT}</script>\n</body></html>\n",
        escape::script_json(&String::from_utf8_lossy(&json)),
    );
    out.write_all(page.as_bytes()).map_err(|e| Error::Write {
        what: out_name.to_owned(),
        source: e,
    })
}

/// The trace's facts: how long it covers, how many inputs and locks, what was lost.
fn write_facts(page: &mut String, profile: &Profile, notices: &[Notice], opts: &HtmlOptions) {
    let instances = profile
        .locks
        .iter()
        .fold(0u64, |n, l| n.saturating_add(l.instances));
    let mut locks = humanize::count_of(profile.locks.len() as u64, "lock");
    if instances != profile.locks.len() as u64 {
        locks.push_str(&format!(" ({})", humanize::count_of(instances, "instance")));
    }
    let facts = [
        ("traced", humanize::duration(profile.duration_ns)),
        ("inputs", humanize::count(profile.inputs as u64)),
        ("locks", locks),
        ("events dropped", humanize::count(profile.dropped_events)),
        (
            "generated by",
            format!("lockprof {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    page.push_str("<section id=\"facts\"><dl class=\"facts\">");
    for (name, value) in facts {
        let _ = write!(
            page,
            "<div><dt>{name}</dt><dd>{}</dd></div>",
            escape::html(&value)
        );
    }
    page.push_str("</dl>");
    if let Some(lock) = &opts.lock {
        let _ = write!(
            page,
            "<p class=\"notice\">Only the lock(s) named {}.</p>",
            escape::html(&escape::quoted(lock))
        );
    }
    if profile.dropped_events > 0 {
        page.push_str(
            "<p class=\"notice warning\">The trace writer dropped events (it fell behind, or its \
             output failed): the numbers are lower bounds.</p>",
        );
    }
    for notice in notices {
        let class = if notice.is_warning() {
            "notice warning"
        } else {
            "notice"
        };
        let _ = write!(
            page,
            "<p class=\"{class}\">{}</p>",
            escape::html(&notice.to_string())
        );
    }
    page.push_str("</section>\n");
}
